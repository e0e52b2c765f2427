import { createHash, timingSafeEqual } from 'node:crypto'
import { OPERATOR } from '../../shared/security/access-policy.ts'
import type { JwtVerifier } from './jwt-verifier.ts'
import type { LoadedPolicy } from './load-policy.ts'

export type Authentication =
  | { ok: true; identity: string }
  | { ok: false; status: 401; message: string }
  | { ok: false; status: 503; message: string }

/** Identities of JWT callers that no policy identity lists in `subjects`. */
export const JWT_IDENTITY_PREFIX = 'jwt:'

/**
 * Who a bearer token authenticates. Checked in this order: a token listed in the
 * access policy (by SHA-256) names its identity; the relay's own token is the
 * operator; a JWT access token from the configured issuer is the policy identity that
 * lists its identity claim in `subjects`, or else `jwt:<claim>` (which gets the
 * default rule: the `:` cannot occur in a policy identity name, so no issuer-chosen
 * subject can impersonate one).
 */
export class Authenticator {
  /** Whether a request without a token is refused (a token or an issuer is configured). */
  readonly required: boolean
  /** Whether any request carries a token the relay checks. */
  readonly enabled: boolean
  private readonly operator: Buffer | undefined
  private readonly access: LoadedPolicy
  private readonly jwt: JwtVerifier | undefined

  constructor(token: string | undefined, access: LoadedPolicy, jwt: JwtVerifier | undefined) {
    this.operator = token === undefined ? undefined : sha256(token)
    this.access = access
    this.jwt = jwt
    this.required = token !== undefined || jwt !== undefined
    this.enabled = this.required || access.tokens.size > 0
  }

  async verify(token: string): Promise<Authentication> {
    const digest = sha256(token)
    const listed = this.access.tokens.get(digest.toString('hex'))
    if (listed !== undefined) return { ok: true, identity: listed }
    if (this.operator !== undefined && timingSafeEqual(digest, this.operator))
      return { ok: true, identity: OPERATOR }
    if (this.jwt === undefined) return { ok: false, status: 401, message: 'unknown bearer token' }
    const outcome = await this.jwt(token)
    if (outcome.ok) {
      const mapped = this.access.subjects.get(outcome.subject)
      return { ok: true, identity: mapped ?? `${JWT_IDENTITY_PREFIX}${outcome.subject}` }
    }
    return outcome.unavailable
      ? { ok: false, status: 503, message: outcome.message }
      : { ok: false, status: 401, message: outcome.message }
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}
