import { OPERATOR } from '../../shared/security/access-policy.ts'
import type { LoadedPolicy } from '../../shared/security/policy-file.ts'

export type EdgeAuthentication = { ok: true; identity: string } | { ok: false; message: string }

const encoder = new TextEncoder()

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Compares two digests without stopping at the first difference. */
function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

/**
 * Who a bearer token authenticates at the edge: the same rules as a relay's
 * Authenticator (relay/security/authenticator.ts) for the token kinds the edge holds.
 * A token listed in the access policy (by SHA-256) names its identity; the operator
 * token (MCPP_TOKEN) is the operator. JWT access tokens are not checked at the edge.
 */
export class EdgeAuthenticator {
  /** Whether a request without a token is refused (MCPP_TOKEN is set). */
  readonly required: boolean
  readonly #operator: Promise<string> | undefined
  readonly #access: LoadedPolicy

  constructor(token: string | undefined, access: LoadedPolicy) {
    this.required = token !== undefined
    this.#operator = token === undefined ? undefined : sha256Hex(token)
    this.#access = access
  }

  async verify(token: string): Promise<EdgeAuthentication> {
    const digest = await sha256Hex(token)
    const listed = this.#access.tokens.get(digest)
    if (listed !== undefined) return { ok: true, identity: listed }
    if (this.#operator !== undefined && sameDigest(digest, await this.#operator))
      return { ok: true, identity: OPERATOR }
    return { ok: false, message: 'unknown bearer token' }
  }
}
