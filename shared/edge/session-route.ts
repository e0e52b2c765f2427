/**
 * The edge's MCP session ids carry their routing (issue 14): `<relay key>.<the relay's
 * own session id>`. Any Worker instance routes a session's requests to the relay that
 * holds it, with no state shared between instances. The key only chooses among the
 * configured relays, and the relay checks that the session belongs to the caller, so a
 * forged id reaches nothing it could not reach already.
 */
const SEPARATOR = '.'
/** MCP: a session id is visible ASCII (0x21–0x7E). */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/
const KEY = /^[0-9a-z]{1,16}$/
export const MAX_SESSION_ID_CHARS = 512

export interface SessionRoute {
  relayKey: string
  relaySessionId: string
}

export function edgeSessionId(route: SessionRoute): string {
  return `${route.relayKey}${SEPARATOR}${route.relaySessionId}`
}

/** The route an edge session id names, or undefined for anything the edge never issued. */
export function parseEdgeSessionId(id: string): SessionRoute | undefined {
  if (id.length > MAX_SESSION_ID_CHARS || !VISIBLE_ASCII.test(id)) return undefined
  const at = id.indexOf(SEPARATOR)
  if (at <= 0 || at === id.length - 1) return undefined
  const relayKey = id.slice(0, at)
  if (!KEY.test(relayKey)) return undefined
  return { relayKey, relaySessionId: id.slice(at + 1) }
}

/**
 * A short, stable key for a relay URL (FNV-1a, 32 bits, base 36): the same relay gets
 * the same key in every Worker instance and across deploys. Keys of one relay list are
 * checked to differ when the list is read (edge-config.ts).
 */
export function relayKeyOf(url: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < url.length; i++) {
    hash ^= url.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash.toString(36)
}
