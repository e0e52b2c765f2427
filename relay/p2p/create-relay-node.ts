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
import { FsDatastore } from 'datastore-fs'
import type { Helia } from 'helia'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { MAX_RELAY_CONNECTIONS } from '../../shared/wire/announce-messages.ts'
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
  const datastore = new FsDatastore(join(init.dataDir, 'datastore'))
  await datastore.open()
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
    datastore,
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
    streamMuxers: [yamux()],
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
    // libp2p pings every connection every 10 s, each ping on a new stream that also
    // rewrites the peer's record in the file datastore: with 1,000 workers that was the
    // relay's idle load (the network bench). Workers already send a heartbeat every 5 s
    // on their task stream and a silent worker's leases expire, so a dead link is found
    // without the monitor's pings; it only has to catch half-open connections.
    connectionMonitor: { pingInterval: 60_000 },
  })
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
      if (attached) await (await attached).stop()
      await libp2p.stop()
      await datastore.close()
    },
  }
}
