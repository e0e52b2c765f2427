import { join } from 'node:path'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { FsBlockstore } from 'blockstore-fs'
import { FsDatastore } from 'datastore-fs'
import { createHeliaLight, type Helia } from 'helia'

export interface RelayNodeInit {
  host: string
  port: number
  dataDir: string
  privateKey: PrivateKey
  /** Extra addresses to announce (e.g. a public DNS name behind a proxy). */
  announce?: readonly string[]
}

export interface RelayNode {
  helia: Helia
  libp2p: Libp2p
  peerId: string
  /** Listening addresses, each ending in /p2p/<peerId>. */
  multiaddrs(): string[]
  stop(): Promise<void>
}

/** Browsers per relay that may hold a circuit-relay reservation (to reach each other). */
const MAX_RESERVATIONS = 128

/**
 * The relay's libp2p node: a WebSocket listener (browsers can only dial WebSockets or
 * WebRTC), noise, yamux, identify, ping and a circuit-relay-v2 server, with Helia on
 * top (blockstore and datastore in the data directory, bitswap for block exchange).
 * Helia's full defaults (DHT, public bootstrap, UPnP…) are left out: a relay serves
 * its own workers and the relays it is told about.
 */
export async function createRelayNode(init: RelayNodeInit): Promise<RelayNode> {
  const ip = init.host.includes(':') ? 'ip6' : 'ip4'
  const datastore = new FsDatastore(join(init.dataDir, 'datastore'))
  const blockstore = new FsBlockstore(join(init.dataDir, 'blocks'))
  await datastore.open()
  await blockstore.open()
  const helia = withBitswap(
    withLibp2pLight(createHeliaLight({ blockstore, datastore }), {
      privateKey: init.privateKey,
      addresses: {
        listen: [`/${ip}/${init.host}/tcp/${init.port}/ws`],
        ...(init.announce?.length ? { announce: [...init.announce] } : {}),
      },
      transports: [webSockets()],
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
      connectionManager: { maxConnections: 1024 },
    }),
  )
  await helia.start()
  const libp2p = helia.libp2p
  const peerId = libp2p.peerId.toString()
  return {
    helia,
    libp2p,
    peerId,
    multiaddrs: () => libp2p.getMultiaddrs().map((a) => a.toString()),
    stop: async () => {
      await helia.stop()
      await blockstore.close()
      await datastore.close()
    },
  }
}
