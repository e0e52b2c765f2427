/** What `/api/p2p` (public) tells a worker about the relay's libp2p side. */
export interface RelayP2pStatus {
  peerId: string
  multiaddrs: string[]
}

/**
 * Picks the relay's WebSocket multiaddr for a worker that reached the relay's HTTP
 * side at `hostname`: an address on that host if the relay announces one, otherwise
 * its first WebSocket address with the host replaced (a relay bound to 0.0.0.0 lists
 * interface addresses the browser may not be able to reach).
 */
export function pickRelayAddress(status: RelayP2pStatus, hostname: string): string {
  const ws = status.multiaddrs.filter((a) => /\/wss?(\/|$)/.test(a))
  if (ws.length === 0) throw new Error('the relay announces no WebSocket address')
  const withPeer = (a: string) => (a.includes('/p2p/') ? a : `${a}/p2p/${status.peerId}`)
  const host = hostname.replace(/^\[|\]$/g, '')
  const same = ws.find((a) => a.split('/')[2] === host)
  if (same) return withPeer(same)
  const first = ws[0] as string
  const parts = first.split('/')
  parts[1] = /^[\d.]+$/.test(host) ? 'ip4' : host.includes(':') ? 'ip6' : 'dns4'
  parts[2] = host
  return withPeer(parts.join('/'))
}

/** Fetches `/api/p2p` from a relay's HTTP base URL and returns its WebSocket multiaddr. */
export async function resolveRelay(
  httpBase: string,
  options: { signal?: AbortSignal } = {},
): Promise<string> {
  const url = new URL('/api/p2p', httpBase)
  const res = await fetch(url, options.signal ? { signal: options.signal } : {})
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`)
  const status = (await res.json()) as { p2p?: RelayP2pStatus }
  if (!status.p2p) throw new Error(`${url} does not report a libp2p node`)
  return pickRelayAddress(status.p2p, url.hostname)
}

/**
 * A relay address in a short human form for the contribute page: `host:port · 12D3…abcd`
 * (`[::1]:9001` for IPv6). Anything it cannot read is shown as given.
 */
export function shortRelay(address: string): string {
  const parts = address.split('/')
  const [, proto, host, transport, port] = parts
  const peerAt = parts.lastIndexOf('p2p')
  const peerId = peerAt > 0 ? parts[peerAt + 1] : undefined
  if (host === undefined || proto === undefined) return address
  const where = `${proto === 'ip6' ? `[${host}]` : host}${transport === 'tcp' && port ? `:${port}` : ''}`
  if (peerId === undefined || peerId.length === 0) return where
  return `${where} · ${peerId.length > 10 ? `${peerId.slice(0, 4)}…${peerId.slice(-4)}` : peerId}`
}

/** How the worker reaches its relay, in words for the contribute page. */
export interface ConnectionDescription {
  /** `host:port` (IPv6 in brackets), or the address as given when it cannot be read. */
  host: string
  /** `relayed` when the connection goes through another peer (/p2p-circuit). */
  path: 'direct' | 'relayed'
  transport: 'WebSocket' | 'secure WebSocket' | 'WebRTC' | 'unknown'
}

/** Reads a connection's remote multiaddr: /p2p-circuit means relayed, /webrtc WebRTC, /ws or /wss a WebSocket. */
export function describeConnection(address: string): ConnectionDescription {
  const parts = address.split('/')
  const relayed = parts.includes('p2p-circuit')
  const transport = parts.includes('webrtc')
    ? 'WebRTC'
    : parts.includes('wss') || (parts.includes('tls') && parts.includes('ws'))
      ? 'secure WebSocket'
      : parts.includes('ws')
        ? 'WebSocket'
        : 'unknown'
  return {
    host: shortRelay(address).split(' · ')[0] as string,
    path: relayed ? 'relayed' : 'direct',
    transport,
  }
}
