import type { Libp2p } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { getBlockOver, putBlockOver } from '../../shared/wire/block-exchange.ts'
import { BLOCK_PROTOCOL, MAX_BLOCK_BYTES } from '../../shared/wire/block-protocol.ts'

/**
 * Fetches and stores task payloads over `/mcpp/block/1.0.0` on the relay the worker is
 * on now (it may move to another relay; a task's blocks are on the relay that assigned it).
 */
export class BlockClient {
  private readonly node: Libp2p
  private readonly relay: () => readonly string[]

  /** `relay`: one address, or the current relay's addresses, asked on every request. */
  constructor(node: Libp2p, relay: string | (() => readonly string[])) {
    this.node = node
    this.relay = typeof relay === 'string' ? () => [relay] : relay
  }

  private target(): Multiaddr[] {
    return this.relay().map((a) => multiaddr(a))
  }

  /** The block's bytes, verified against the CID (a relay cannot hand out other content). */
  async get(cid: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    return getBlockOver(await this.node.dialProtocol(this.target(), BLOCK_PROTOCOL, options), cid, options)
  }

  /** Stores an output block of the task this worker holds under lease `token`. */
  async put(
    bytes: Uint8Array,
    task: { taskId: string; token: number },
    options: { signal?: AbortSignal } = {},
  ): Promise<string> {
    if (bytes.byteLength > MAX_BLOCK_BYTES) throw new Error(`a block is limited to ${MAX_BLOCK_BYTES} bytes`)
    return putBlockOver(
      await this.node.dialProtocol(this.target(), BLOCK_PROTOCOL, options),
      bytes,
      task,
      options,
    )
  }
}
