import type { Libp2p } from '@libp2p/interface'
import { McppError } from '../../shared/errors.ts'
import type { P2pHolder } from '../p2p/p2p-holder.ts'

/**
 * The running libp2p node for the peer tools, or UNAVAILABLE saying why there is
 * none: P2P is switched off, or the node has not started (or is stopping).
 */
export function requireLibp2p(holder: P2pHolder, disabled: boolean): () => Libp2p {
  return () => {
    if (disabled) throw new McppError('UNAVAILABLE', 'P2P is disabled on this relay (--disable-p2p)')
    const node = holder.node
    if (node === undefined) {
      throw new McppError(
        'UNAVAILABLE',
        'the libp2p node of this relay is not running (starting or stopping)',
      )
    }
    return node.libp2p
  }
}
