import { identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'

/**
 * The libp2p node of a task worker, the same in a browser Web Worker and under Node:
 * WebSockets to relays, noise, yamux, identify and ping. It listens on nothing.
 * The default connection gater refuses loopback and private addresses in browsers
 * (and `ws://`); a volunteer dials the relay the page came from, which is often exactly
 * that, so dials are allowed.
 */
export function createWorkerNode(options: { privateKey?: PrivateKey } = {}): Promise<Libp2p> {
  return createLibp2p({
    ...(options.privateKey === undefined ? {} : { privateKey: options.privateKey }),
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() },
    connectionGater: { denyDialMultiaddr: () => false },
  })
}
