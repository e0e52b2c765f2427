import type { Libp2p, PeerId } from '@libp2p/interface'
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
 * A member relay's payload blocks over `/mcpp/block/1.0.0`, the protocol workers use
 * (shared/wire/block-protocol.ts): the owner lets the runner of its task read that
 * task's input block while the offer is open, and store output blocks under the task's
 * id and fence, as it lets a worker. worker/core/block-client.ts speaks the same frames
 * but dials the worker's current relay by its addresses; a relay dials a member by
 * PeerId over the link it keeps to it.
 */

/** The block's bytes from `peer`, verified against the CID: a member cannot hand out other content. */
export async function fetchBlock(
  libp2p: Libp2p,
  peer: PeerId,
  cid: string,
  options: { signal?: AbortSignal } = {},
): Promise<Uint8Array> {
  const parsed = CID.parse(cid)
  const stream = await libp2p.dialProtocol(peer, BLOCK_PROTOCOL, options)
  try {
    const reader = new FrameReader(stream, Math.max(BLOCK_CHUNK, 4096))
    await writeJsonFrame(stream, { op: 'get', cid })
    const response = blockResponse.parse(await within(reader.json(), options.signal))
    if (!response.ok) throw new Error(`block ${cid}: ${response.code}: ${response.message}`)
    if (!('size' in response)) throw new Error(`block ${cid}: malformed response`)
    const bytes = await within(reader.bytes(response.size), options.signal)
    await stream.close().catch(() => {})
    if (!(await verifyBlock(parsed, bytes))) throw new Error(`block ${cid}: content does not match its CID`)
    return bytes
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}

/** Stores `bytes` on `peer` as an output block of its task `taskId` leased here under `fence`; returns the CID it computed. */
export async function storeBlock(
  libp2p: Libp2p,
  peer: PeerId,
  bytes: Uint8Array,
  task: { taskId: string; fence: number },
  options: { signal?: AbortSignal } = {},
): Promise<string> {
  if (bytes.byteLength > MAX_BLOCK_BYTES) throw new Error(`a block is limited to ${MAX_BLOCK_BYTES} bytes`)
  const stream = await libp2p.dialProtocol(peer, BLOCK_PROTOCOL, options)
  try {
    const reader = new FrameReader(stream, 4096)
    await writeJsonFrame(stream, {
      op: 'put',
      size: bytes.byteLength,
      taskId: task.taskId,
      token: task.fence,
    })
    const ready = blockResponse.parse(await within(reader.json(), options.signal))
    if (!ready.ok) throw new Error(`storing a block: ${ready.code}: ${ready.message}`)
    await writeChunks(stream, bytes, BLOCK_CHUNK)
    const response = blockResponse.parse(await within(reader.json(), options.signal))
    await stream.close().catch(() => {})
    if (!response.ok) throw new Error(`storing a block: ${response.code}: ${response.message}`)
    if (!('cid' in response)) throw new Error('storing a block: malformed response')
    return response.cid
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}

/** `promise`, or the signal's reason once it aborts (FrameReader takes no signal; the stream is aborted after). */
function within<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  signal.throwIfAborted()
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
