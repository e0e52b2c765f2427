import { identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { YAMUX_KEEPALIVE_MS } from '../../shared/wire/heartbeat-pacer.ts'

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
    // yamux pings each connection every 30 s by default, from both ends: with 1,000
    // workers, 130 frames a second through the relay for nothing (the network bench).
    // The first ping still measures the RTT that lets stream windows grow; heartbeats
    // keep NAT mappings open.
    streamMuxers: [yamux({ keepAliveInterval: YAMUX_KEEPALIVE_MS })],
    services: { identify: identify(), ping: ping() },
    connectionGater: { denyDialMultiaddr: () => false },
    // libp2p pings every 10 s by default, each ping a new stream (about eight frames
    // through the relay): for a relay with 1,000 workers the largest part of its idle
    // load (the network bench). A relay that dies closes the socket; the ping only has
    // to catch a half-open connection (a vanished host), and two minutes will do.
    connectionMonitor: { pingInterval: 120_000 },
  })
}
