import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose'
import type { RelayConfig } from '../config/schema.ts'
import { MAX_SUBJECT_LENGTH } from './load-policy.ts'

export type OAuthSettings = RelayConfig['auth']['oauth']

export type JwtOutcome =
  | { ok: true; subject: string }
  /** The token is not acceptable: 401 with `error="invalid_token"`. */
  | { ok: false; unavailable: false; message: string }
  /** The issuer's keys could not be fetched: 503, the token may be fine. */
  | { ok: false; unavailable: true; message: string }

export type JwtVerifier = (token: string) => Promise<JwtOutcome>

/** Three base64url segments: the only shape worth handing to the JOSE library. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/** Raised while fetching the JWKS, as opposed to a key lookup that found nothing. */
class KeysUnavailable extends Error {}

/**
 * Validates JWT access tokens with `jose` against the issuer's JWKS: signature by a
 * published key with an allowed asymmetric algorithm (never `none` or HS*), `iss` equal
 * to the issuer, `aud` containing this relay's resource URL (RFC 8707 audience binding,
 * MCP authorization spec), `exp` required and `nbf` honoured within the clock skew.
 * The JWKS is cached by jose; a fetch is bounded by `jwksTimeoutMs`, and an unknown
 * `kid` refetches at most once per cooldown, so a dead or slow issuer costs a bounded
 * wait and a 503, never a hung request.
 */
export function createJwtVerifier(settings: OAuthSettings): JwtVerifier | undefined {
  const { issuer, jwksUrl, resource } = settings
  if (issuer === undefined || jwksUrl === undefined || resource === undefined) return undefined
  const remote = createRemoteJWKSet(new URL(jwksUrl), {
    timeoutDuration: settings.jwksTimeoutMs,
    cooldownDuration: settings.jwksCooldownSeconds * 1000,
  })
  const keys: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remote(header, token)
    } catch (err) {
      if (fetchFailed(err)) throw new KeysUnavailable((err as Error).message)
      throw err
    }
  }
  const claim = settings.identityClaim
  return async (token) => {
    if (!COMPACT_JWS.test(token)) return { ok: false, unavailable: false, message: 'not a JWT' }
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        audience: resource,
        algorithms: settings.algorithms,
        clockTolerance: settings.clockSkewSeconds,
        requiredClaims: ['exp', claim],
      })
      const subject = payload[claim]
      if (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH) {
        return {
          ok: false,
          unavailable: false,
          message: `claim ${claim} is not a string of 1-${MAX_SUBJECT_LENGTH} characters`,
        }
      }
      return { ok: true, subject }
    } catch (err) {
      if (err instanceof KeysUnavailable) {
        return { ok: false, unavailable: true, message: `the issuer's keys are unavailable: ${err.message}` }
      }
      return { ok: false, unavailable: false, message: err instanceof Error ? err.message : String(err) }
    }
  }
}

/**
 * Whether jose failed to get the key set (network, timeout, bad response) rather than
 * to find a key in it: the first is the issuer's problem (503), the second the token's.
 */
function fetchFailed(err: unknown): boolean {
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) return false
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return true
  if (err instanceof errors.JOSEError) return err.code === 'ERR_JOSE_GENERIC'
  return true
}
