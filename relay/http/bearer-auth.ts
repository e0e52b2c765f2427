import { createHash, timingSafeEqual } from 'node:crypto'

/** Compares a bearer token in constant time (digests first, so lengths can't leak). */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '')
  if (!match?.[1]) return false
  const given = createHash('sha256').update(match[1]).digest()
  const expected = createHash('sha256').update(token).digest()
  return timingSafeEqual(given, expected)
}
