import { multiaddr } from '@multiformats/multiaddr'
import { checkPeerAddress } from './peer-list.ts'

/**
 * Which relays a task worker may fall back to (issue 11, "Workers can use any
 * relay"): a relay tells its workers the other member relays' addresses in `welcome`,
 * and a worker whose relay goes away dials one of them.
 */

/** Addresses a relay passes to a worker: enough for a small network, little on the wire. */
export const MAX_WORKER_RELAY_ADDRESSES = 16
/** One relay announcing many interfaces must not crowd the others out of the list. */
export const MAX_ADDRESSES_PER_RELAY = 4

/**
 * Whether a worker can dial `address` as a relay: a multiaddr ending in the relay's
 * PeerId over WebSockets (the only transport a browser tab has; `/ws`, `/wss` or
 * `/tls/…/ws`), directly (not through a circuit relay).
 */
export function isWorkerRelayAddress(address: string): boolean {
  if (!checkPeerAddress(address).ok) return false
  const names = multiaddr(address)
    .getComponents()
    .map((c) => c.name)
  return (
    (names.includes('ws') || names.includes('wss')) &&
    names.includes('tcp') &&
    !names.includes('p2p-circuit') &&
    names.filter((n) => n === 'p2p').length === 1
  )
}

/**
 * The addresses a relay tells its workers: each member relay's WebSocket addresses
 * (made to end in its PeerId), at most MAX_ADDRESSES_PER_RELAY per relay and
 * MAX_WORKER_RELAY_ADDRESSES in all, in the order the relays are given.
 */
export function workerRelayAddresses(
  relays: readonly { peerId: string; multiaddrs: readonly string[] }[],
  limit = MAX_WORKER_RELAY_ADDRESSES,
): string[] {
  const out: string[] = []
  const taken = new Map<string, number>()
  for (const relay of relays) {
    for (const raw of relay.multiaddrs) {
      if (out.length >= limit) return out
      if ((taken.get(relay.peerId) ?? 0) >= MAX_ADDRESSES_PER_RELAY) break
      const address = raw.includes('/p2p/') ? raw : `${raw}/p2p/${relay.peerId}`
      // An address naming another peer would steer workers away from this relay.
      if (!isWorkerRelayAddress(address) || !address.endsWith(`/p2p/${relay.peerId}`)) continue
      if (out.includes(address)) continue
      out.push(address)
      taken.set(relay.peerId, (taken.get(relay.peerId) ?? 0) + 1)
    }
  }
  return out
}
