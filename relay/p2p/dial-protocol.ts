import type { AbortOptions, Libp2p, PeerId, Stream } from '@libp2p/interface'

/**
 * Opens a stream of `protocol` to `peer`. A connection that libp2p still holds open
 * though its muxer has closed takes every new stream and fails it (ConnectionClosedError),
 * and nothing else would drop it (relays run no libp2p pings: create-relay-node.ts): it
 * is hung up on, so that the next attempt dials afresh.
 */
export async function dialProtocol(
  libp2p: Libp2p,
  peer: PeerId,
  protocol: string,
  options: AbortOptions = {},
): Promise<Stream> {
  try {
    return await libp2p.dialProtocol(peer, protocol, options)
  } catch (err) {
    if ((err as Error).name === 'ConnectionClosedError') await libp2p.hangUp(peer).catch(() => {})
    throw err
  }
}
