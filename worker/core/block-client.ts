import type { Libp2p } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import {
  BLOCK_CHUNK,
  BLOCK_PROTOCOL,
  blockResponse,
  MAX_BLOCK_BYTES,
  verifyBlock,
} from '../../shared/wire/block-protocol.ts'
import { FrameReader, writeChunks, writeJsonFrame } from '../../shared/wire/frame-stream.ts'

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
    const parsed = CID.parse(cid)
    const stream = await this.node.dialProtocol(this.target(), BLOCK_PROTOCOL, options)
    const reader = new FrameReader(stream, Math.max(BLOCK_CHUNK, 4096))
    await writeJsonFrame(stream, { op: 'get', cid })
    const response = blockResponse.parse(await reader.json())
    if (!response.ok) throw new Error(`block ${cid}: ${response.code}: ${response.message}`)
    if (!('size' in response)) throw new Error(`block ${cid}: malformed response`)
    const bytes = await reader.bytes(response.size)
    await stream.close().catch(() => {})
    if (!(await verifyBlock(parsed, bytes))) throw new Error(`block ${cid}: content does not match its CID`)
    return bytes
  }

  /** Stores an output block of the task this worker holds under lease `token`. */
  async put(
    bytes: Uint8Array,
    task: { taskId: string; token: number },
    options: { signal?: AbortSignal } = {},
  ): Promise<string> {
    if (bytes.byteLength > MAX_BLOCK_BYTES) throw new Error(`a block is limited to ${MAX_BLOCK_BYTES} bytes`)
    const stream = await this.node.dialProtocol(this.target(), BLOCK_PROTOCOL, options)
    const reader = new FrameReader(stream, 4096)
    await writeJsonFrame(stream, {
      op: 'put',
      size: bytes.byteLength,
      taskId: task.taskId,
      token: task.token,
    })
    const ready = blockResponse.parse(await reader.json())
    if (!ready.ok) {
      await stream.close().catch(() => {})
      throw new Error(`storing a block: ${ready.code}: ${ready.message}`)
    }
    await writeChunks(stream, bytes, BLOCK_CHUNK)
    const response = blockResponse.parse(await reader.json())
    await stream.close().catch(() => {})
    if (!response.ok) throw new Error(`storing a block: ${response.code}: ${response.message}`)
    if (!('cid' in response)) throw new Error('storing a block: malformed response')
    return response.cid
  }
}
