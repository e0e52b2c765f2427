import type { Helia } from 'helia'
import { McppError } from '../../shared/errors.ts'
import type { RelayNetwork } from '../network/relay-network.ts'
import type { RelayNode } from './create-relay-node.ts'
import type { RelayDirectory } from './relay-directory.ts'

/**
 * The lazy accessor tools hold for the relay's libp2p side, which the `libp2p`
 * lifecycle part (start-p2p.ts) fills when it has started and empties when it stops.
 * Tools fail clearly while the node is not running.
 */
export class P2pHolder {
  private current: { node: RelayNode; directory: RelayDirectory; network: RelayNetwork } | undefined

  get node(): RelayNode | undefined {
    return this.current?.node
  }

  get directory(): RelayDirectory | undefined {
    return this.current?.directory
  }

  /** The relay's links and discovery (issue 11), for /api/status. */
  get network(): RelayNetwork | undefined {
    return this.current?.network
  }

  attach(node: RelayNode, directory: RelayDirectory, network: RelayNetwork): void {
    this.current = { node, directory, network }
  }

  detach(): void {
    this.current = undefined
  }

  get running(): boolean {
    return this.node !== undefined
  }

  /** Helia on the running node (started on first use). */
  helia(): Promise<Helia> {
    if (this.node === undefined) {
      return Promise.reject(
        new McppError('RUNTIME_UNAVAILABLE', 'the libp2p node of this relay is not running'),
      )
    }
    return this.node.helia()
  }

  /** A directory that forwards to the live one, or says the node is not running. */
  readonly lazyDirectory: RelayDirectory = {
    self: () => this.requireDirectory().self(),
    relays: () => this.requireDirectory().relays(),
    isMember: (peerId) => this.requireDirectory().isMember(peerId),
    activity: (peerId) => this.requireDirectory().activity(peerId),
    announce: (options) => this.requireDirectory().announce(options),
  }

  private requireDirectory(): RelayDirectory {
    if (this.directory === undefined) {
      throw new McppError('RUNTIME_UNAVAILABLE', 'the libp2p node of this relay is not running')
    }
    return this.directory
  }
}
