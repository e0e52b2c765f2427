import { join } from 'node:path'
import { bootstrap } from '@libp2p/bootstrap'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { mdns } from '@libp2p/mdns'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { MemoryDatastore } from 'datastore-core'
import { FsDatastore } from 'datastore-fs'
import type { Helia } from 'helia'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { MAX_RELAY_CONNECTIONS } from '../../shared/wire/announce-messages.ts'
import { YAMUX_KEEPALIVE_MS } from '../../shared/wire/heartbeat-pacer.ts'
import { RELAY_KEEP_ALIVE_TAG } from '../network/link-keeper.ts'
import { attachHelia } from './attach-helia.ts'

export interface RelayNodeInit {
  host: string
  port: number
  dataDir: string
  privateKey: PrivateKey
  /** Peers whose bitswap wants the relay serves (member relays); nobody else reads its blockstore. */
  mayFetchBlocks?: (peerId: string) => boolean
  /** Peers refused at connection time (temporary bans, issue 9). */
  isBanned?: (peerId: string) => boolean
  /** Addresses announced instead of the listening one (a proxy, NAT or public DNS name in front of it). */
  announce?: readonly string[]
  /** Relays to find (issue 11): bootstrap addresses (checked: each ends in /p2p/<id>) and mDNS. */
  discovery?: { bootstrap: readonly string[]; mdns: boolean }
}

export interface RelayNode {
  /** Not started: the caller registers its protocols first, then calls `libp2p.start()`. */
  libp2p: Libp2p
  peerId: string
  /** Helia on this node, started on first use (it costs ~40 MB, which a relay without content work need not pay). */
  helia(): Promise<Helia>
  /** Listening addresses, each ending in /p2p/<peerId>. */
  multiaddrs(): string[]
  stop(): Promise<void>
}

/** mDNS service name: only MCP++ relays answer each other's queries. */
const MDNS_SERVICE = '_mcpp-relay._udp.local'

/** Browsers per relay that may hold a circuit-relay reservation (to reach each other). */
const MAX_RESERVATIONS = 128

/**
 * The relay's libp2p node: a WebSocket listener (browsers can only dial WebSockets or
 * WebRTC), noise, yamux, identify, ping and a circuit-relay-v2 server, with its peer
 * store in the data directory. Helia (blockstore in the data directory, bitswap) runs
 * on this same node. Helia's full defaults (DHT, public bootstrap, UPnP…) are left
 * out: a relay serves its own workers and the relays it is told about.
 */
export async function createRelayNode(init: RelayNodeInit): Promise<RelayNode> {
  const ip = init.host.includes(':') ? 'ip6' : 'ip4'
  // Helia's datastore (pins, …) lives on disk. libp2p's peer store does not: libp2p
  // rewrites a peer's record on every stream it opens (each ping, each announcement),
  // which on disk was the relay's largest idle cost with many workers (the network
  // bench). Nothing needs those records after a restart: members come from the
  // configuration, registered peers from the peer book (peerbook.db), workers redial.
  const datastore = new FsDatastore(join(init.dataDir, 'datastore'))
  await datastore.open()
  const peerStoreData = new MemoryDatastore()
  const discovery: NonNullable<Libp2pOptions['peerDiscovery']> = []
  if (init.discovery?.bootstrap.length) {
    // Tagged KEEP_ALIVE (a tag that starts with it): the connection manager redials them.
    discovery.push(
      bootstrap({
        list: [...init.discovery.bootstrap],
        timeout: 0,
        tagName: RELAY_KEEP_ALIVE_TAG,
        tagValue: 100,
      }),
    )
  }
  if (init.discovery?.mdns) discovery.push(mdns({ serviceTag: MDNS_SERVICE }))
  const libp2p = await createLibp2p({
    start: false,
    privateKey: init.privateKey,
    peerDiscovery: discovery,
    datastore: peerStoreData,
    addresses: {
      listen: [`/${ip}/${init.host}/tcp/${init.port}/ws`],
      ...(init.announce?.length ? { announce: [...init.announce] } : {}),
    },
    transports: [webSockets()],
    connectionGater: {
      denyInboundEncryptedConnection: (peerId) => init.isBanned?.(peerId.toString()) ?? false,
      denyOutboundEncryptedConnection: (peerId) => init.isBanned?.(peerId.toString()) ?? false,
    },
    connectionEncrypters: [noise()],
    // yamux pings each connection every 30 s by default, from both ends: with 1,000
    // workers, 130 frames a second through the relay for nothing (the network bench).
    // The first ping still measures the RTT that lets stream windows grow; heartbeats
    // keep NAT mappings open.
    streamMuxers: [yamux({ keepAliveInterval: YAMUX_KEEPALIVE_MS })],
    services: {
      identify: identify(),
      ping: ping(),
      relay: circuitRelayServer({
        reservations: {
          maxReservations: MAX_RESERVATIONS,
          // Browser-to-browser traffic is small (signalling for WebRTC, task relays);
          // the v2 defaults of 2 minutes / 128 KiB would cut long-lived peers off.
          defaultDurationLimit: 30 * 60_000,
          defaultDataLimit: 64n * 1024n * 1024n,
        },
      }),
    },
    // Inbound connections per second from one host: libp2p's default of 5 is too few for
    // a household or a lab of volunteers behind one address; strikes and bans deal with
    // peers that misbehave once connected.
    connectionManager: { maxConnections: MAX_RELAY_CONNECTIONS, inboundConnectionThreshold: 25 },
    // No libp2p pings from the relay. Its connection monitor pings every connection at
    // the same instant: with 1,000 workers, a burst of 1,000 streams each interval, a
    // few percent of a core on average, and under load the burst's own timeouts closed
    // hundreds of healthy workers (the network bench). Liveness is checked where it is
    // cheap instead: a worker that stops sending heartbeats is dropped (dispatcher.ts),
    // and a member relay that leaves an announcement unanswered is hung up on
    // (relay-directory.ts). Workers still ping the relay, each on its own schedule.
    connectionMonitor: { enabled: false },
  })
  // The peer store drops a record only when it reads it past its age (6 h without a
  // stream, libp2p's MAX_PEER_AGE); reading them all now and then keeps volunteers that
  // left from piling up in memory.
  const sweep = setInterval(() => void sweepPeerStore(libp2p), PEER_STORE_SWEEP_MS)
  sweep.unref?.()
  let attached: ReturnType<typeof attachHelia> | undefined
  return {
    libp2p,
    peerId: libp2p.peerId.toString(),
    helia: async () => {
      attached ??= attachHelia(libp2p, datastore, join(init.dataDir, 'blocks'), init.mayFetchBlocks)
      return (await attached).helia
    },
    multiaddrs: () => libp2p.getMultiaddrs().map((a) => a.toString()),
    stop: async () => {
      clearInterval(sweep)
      if (attached) await (await attached).stop()
      await libp2p.stop()
      await datastore.close()
    },
  }
}

const PEER_STORE_SWEEP_MS = 10 * 60_000

async function sweepPeerStore(libp2p: Libp2p): Promise<void> {
  try {
    // Reading is the sweep: expired records are deleted as they are read.
    await libp2p.peerStore.all()
  } catch {
    // The node stopped meanwhile; the next sweep tries again.
  }
}
