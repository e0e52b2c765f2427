import type { Libp2p } from '@libp2p/interface'
import type { Capacity, RelayDirectory } from '../../p2p/relay-directory.ts'
import { MAX_PEERS, type PeerBook } from '../../peers/peer-book.ts'

export const DISCOVERY_SOURCES = ['connection', 'announcement', 'registered', 'peer-store'] as const
export type DiscoverySource = (typeof DISCOVERY_SOURCES)[number]
export const MAX_LISTED = 1000
/** Addresses and protocols listed per peer. */
const MAX_ADDRESSES = 32
const MAX_PROTOCOLS = 64

interface DiscoveredPeer {
  peerId: string
  sources: DiscoverySource[]
  connected: boolean
  multiaddrs: string[]
  protocols: string[]
  capabilities?: string[]
  expiresAt?: number
  capacity?: Capacity
  announcementAgeMs?: number
}

/**
 * Merges what the relay knows of other peers, by PeerId: its open connections,
 * member relays' announcements, the peer book and libp2p's peer store.
 */
export async function discoverPeers(
  from: { libp2p: Libp2p; book: PeerBook; directory: RelayDirectory },
  options: { sources?: readonly DiscoverySource[] | undefined; limit: number },
): Promise<{ peers: DiscoveredPeer[]; total: number }> {
  const { libp2p } = from
  const found = new Map<string, DiscoveredPeer>()
  const entry = (peerId: string, source: DiscoverySource): DiscoveredPeer => {
    let peer = found.get(peerId)
    if (peer === undefined) {
      peer = { peerId, sources: [], connected: false, multiaddrs: [], protocols: [] }
      found.set(peerId, peer)
    }
    if (!peer.sources.includes(source)) peer.sources.push(source)
    return peer
  }
  const addAddress = (peer: DiscoveredPeer, address: string) => {
    if (peer.multiaddrs.length < MAX_ADDRESSES && !peer.multiaddrs.includes(address))
      peer.multiaddrs.push(address)
  }

  for (const connection of libp2p.getConnections()) {
    const peer = entry(connection.remotePeer.toString(), 'connection')
    peer.connected = true
    addAddress(peer, connection.remoteAddr.toString())
  }
  for (const relay of from.directory.relays()) {
    const peer = entry(relay.peerId, 'announcement')
    peer.capacity = relay.capacity
    if (relay.ageMs !== undefined) peer.announcementAgeMs = relay.ageMs
    for (const address of relay.multiaddrs) addAddress(peer, address)
  }
  for (const registered of from.book.list({ limit: MAX_PEERS }).peers) {
    const peer = entry(registered.peerId, 'registered')
    peer.capabilities = registered.capabilities
    peer.expiresAt = registered.expiresAt
    for (const address of registered.multiaddrs) addAddress(peer, address)
  }
  const self = libp2p.peerId.toString()
  for (const stored of await libp2p.peerStore.all()) {
    const peerId = stored.id.toString()
    if (peerId === self) continue
    const peer = entry(peerId, 'peer-store')
    peer.protocols = stored.protocols.slice(0, MAX_PROTOCOLS)
    for (const { multiaddr } of stored.addresses) addAddress(peer, multiaddr.toString())
  }

  const wanted = options.sources === undefined ? undefined : new Set(options.sources)
  const peers = [...found.values()]
    .filter((p) => wanted === undefined || p.sources.some((s) => wanted.has(s)))
    .sort((a, b) => Number(b.connected) - Number(a.connected) || a.peerId.localeCompare(b.peerId))
  return { peers: peers.slice(0, options.limit), total: peers.length }
}
