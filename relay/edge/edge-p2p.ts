import { McppError } from '../../shared/errors.ts'
import { errorResponse } from '../../shared/http/error-response.ts'
import type { RelayPool } from './relay-pool.ts'

interface P2pInfo {
  peerId: string
  multiaddrs: string[]
}

function isP2pInfo(value: unknown): value is P2pInfo {
  const v = value as P2pInfo | null
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.peerId === 'string' &&
    v.peerId.length <= 128 &&
    Array.isArray(v.multiaddrs) &&
    v.multiaddrs.length <= 64 &&
    v.multiaddrs.every((a) => typeof a === 'string' && a.length <= 512)
  )
}

/** A page served over https may open only `wss` (a browser blocks `ws` there as mixed content). */
export function dialableFrom(pageProtocol: string, multiaddrs: readonly string[]): string[] {
  const secure = (a: string) => a.includes('/wss') || (a.includes('/tls/') && a.includes('/ws'))
  const websocket = (a: string) => a.includes('/ws')
  return multiaddrs.filter((a) => websocket(a) && (pageProtocol === 'http:' || secure(a)))
}

/**
 * `/api/p2p` at the edge: the libp2p addresses of the best relay that has some the
 * page can dial (`wss` on https, `ws` or `wss` on http). The contribute page reads this
 * as it reads a relay's own `/api/p2p`, then dials the relay directly.
 */
export async function relayP2p(request: Request, pool: RelayPool): Promise<Response> {
  const protocol = new URL(request.url).protocol
  const problems: string[] = []
  for (const relay of await pool.ranked()) {
    const host = new URL(relay.url).host
    try {
      const res = await pool.send(
        relay,
        '/api/p2p',
        { method: 'GET', headers: new Headers({ accept: 'application/json' }) },
        { identity: undefined, client: 'edge' },
      )
      const body = (await res.json()) as { p2p?: unknown }
      if (!isP2pInfo(body.p2p)) {
        problems.push(`${host}: no libp2p node`)
        continue
      }
      const multiaddrs = dialableFrom(protocol, body.p2p.multiaddrs)
      if (multiaddrs.length === 0) {
        problems.push(`${host}: no ${protocol === 'https:' ? 'wss' : 'WebSocket'} address`)
        continue
      }
      return Response.json({ p2p: { peerId: body.p2p.peerId, multiaddrs }, relay: host })
    } catch (err) {
      problems.push(`${host}: ${(err as Error).message}`)
    }
  }
  return errorResponse(
    new McppError('UNAVAILABLE', `no relay has an address this page can dial (${problems.join('; ')})`),
    'json',
    { 'retry-after': '5' },
  )
}
