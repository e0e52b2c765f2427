import { createHash, timingSafeEqual } from 'node:crypto'

/** Compares a bearer token in constant time (digests first, so lengths can't leak). */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const given = bearerToken(authorization)
  if (given === undefined) return false
  return timingSafeEqual(sha256(given), sha256(token))
}

function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '')?.[1]
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/** The identity the relay's own token (MCPP_TOKEN) authenticates. */
export const OPERATOR = 'operator'

export type Authentication = { ok: true; identity: string | undefined } | { ok: false }

/**
 * Who is calling: a token listed in the access policy names its identity; MCPP_TOKEN
 * is the operator; no token is anonymous, which is refused when MCPP_TOKEN is set.
 * An unknown token is always refused.
 */
export function authenticate(
  authorization: string | undefined,
  token: string | undefined,
  tokens: ReadonlyMap<string, string>,
): Authentication {
  const given = bearerToken(authorization)
  if (given === undefined) return token === undefined ? { ok: true, identity: undefined } : { ok: false }
  const identity = tokens.get(sha256(given).toString('hex'))
  if (identity !== undefined) return { ok: true, identity }
  if (token !== undefined && timingSafeEqual(sha256(given), sha256(token)))
    return { ok: true, identity: OPERATOR }
  return { ok: false }
}
