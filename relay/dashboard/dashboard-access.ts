import { isIP } from 'node:net'

/** What a dashboard request does: read the relay's state, or act on it. */
export type Need = 'read' | 'action'
export type Access = 'open' | 'token'

/**
 * Who may use the dashboard endpoints (issue 13, Tokens). Without a relay token
 * everything is open, as /mcp is. With one, reading is open only to loopback clients
 * and every action needs the token; a client elsewhere needs it for everything.
 */
export function accessFor(tokenRequired: boolean, loopback: boolean, need: Need): Access {
  if (!tokenRequired) return 'open'
  return loopback && need === 'read' ? 'open' : 'token'
}

/**
 * Whether a request comes from this machine: a loopback peer address and no proxy
 * header. A reverse proxy on the same host connects over loopback for every client,
 * so a request it forwarded (it says so in Forwarded or X-Forwarded-For) is not local.
 */
export function isLoopbackRequest(remoteAddress: string | undefined, headers: Headers): boolean {
  if (headers.has('forwarded') || headers.has('x-forwarded-for')) return false
  return isLoopbackAddress(remoteAddress)
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  if (isIP(v4) === 4) return v4.startsWith('127.')
  return address === '::1'
}
