import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import {
  BLOCK_CHUNK,
  BLOCK_PROTOCOL,
  blockResponse,
  MAX_BLOCK_BYTES,
  verifyBlock,
} from '../../shared/wire/block-protocol.ts'
import { FrameReader, writeChunks, writeJsonFrame } from '../../shared/wire/frame-stream.ts'

/** Fetches and stores task payloads on the relay over `/mcpp/block/1.0.0`. */
export class BlockClient {
  private readonly node: Libp2p
  private readonly relay: string

  constructor(node: Libp2p, relay: string) {
    this.node = node
    this.relay = relay
  }

  /** The block's bytes, verified against the CID (a relay cannot hand out other content). */
  async get(cid: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const parsed = CID.parse(cid)
    const stream = await this.node.dialProtocol(multiaddr(this.relay), BLOCK_PROTOCOL, options)
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
    const stream = await this.node.dialProtocol(multiaddr(this.relay), BLOCK_PROTOCOL, options)
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
