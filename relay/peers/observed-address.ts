import { BlockList, isIP } from 'node:net'
import type { Identify } from '@libp2p/identify'
import type { Connection, Libp2p } from '@libp2p/interface'

/** Peers asked per call, and how long each may take to answer. */
export const MAX_ASKED_PEERS = 16
const ASK_TIMEOUT_MS = 5000

export interface Observation {
  peerId: string
  /** This relay's address as that peer sees it (identify's observedAddr). */
  observedAddr: string | null
  ip: string | null
  error?: string
}

/**
 * Runs identify again on a connection to each of up to MAX_ASKED_PEERS connected
 * peers and collects the address each says it sees this relay at. Identify on
 * connection open does the same, but libp2p keeps only public, non-TCP observations
 * (for AutoNAT) and drops the rest; asking again reports every answer as given.
 */
export async function askObservedAddresses(libp2p: Libp2p, signal: AbortSignal): Promise<Observation[]> {
  const identify = (libp2p.services as { identify?: Identify }).identify
  if (identify === undefined) return []
  const byPeer = new Map<string, Connection>()
  for (const connection of libp2p.getConnections()) {
    if (connection.status !== 'open' || connection.limits !== undefined) continue
    const peerId = connection.remotePeer.toString()
    if (!byPeer.has(peerId)) byPeer.set(peerId, connection)
    if (byPeer.size >= MAX_ASKED_PEERS) break
  }
  return Promise.all(
    [...byPeer].map(async ([peerId, connection]): Promise<Observation> => {
      try {
        const result = await identifyAgain(identify, connection, signal)
        const observed = result.observedAddr
        return { peerId, observedAddr: observed?.toString() ?? null, ip: observed ? ipOf(observed) : null }
      } catch (err) {
        signal.throwIfAborted()
        return {
          peerId,
          observedAddr: null,
          ip: null,
          error: `${(err as Error).name}: ${(err as Error).message}`,
        }
      }
    }),
  )
}

/**
 * Identify allows one stream per connection each way, and the identify libp2p runs
 * when a connection opens (or a peer's identify of this relay) may still hold it:
 * the stream is refused or reset. Such a clash is brief, so a refused ask is retried
 * a few times before its error is reported.
 */
async function identifyAgain(identify: Identify, connection: Connection, signal: AbortSignal) {
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(ASK_TIMEOUT_MS)])
  for (let attempt = 1; ; attempt++) {
    try {
      return await identify.identify(connection, { signal: deadline })
    } catch (err) {
      if (deadline.aborted || attempt >= ASK_ATTEMPTS || connection.status !== 'open') throw err
      await delay(RETRY_MS * attempt, deadline)
    }
  }
}

const ASK_ATTEMPTS = 4
const RETRY_MS = 100

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(signal.reason)
      },
      { once: true },
    )
  })
}

function ipOf(address: { getComponents(): { name: string; value?: string }[] }): string | null {
  const first = address.getComponents()[0]
  return first && (first.name === 'ip4' || first.name === 'ip6') ? (first.value ?? null) : null
}

const nonPublic = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  nonPublic.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [
  ['::1', 128],
  ['::', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  nonPublic.addSubnet(net, prefix, 'ipv6')
}

/** Whether `ip` is routable on the internet (not loopback, private, link-local or CGNAT). */
export function isPublicIp(ip: string): boolean {
  const family = isIP(ip)
  if (family === 0) return false
  return !nonPublic.check(ip, family === 4 ? 'ipv4' : 'ipv6')
}
