import type { Stream } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { BLOCK_CHUNK, blockResponse, MAX_BLOCK_BYTES, verifyBlock } from './block-protocol.ts'
import { FrameReader, writeChunks, writeJsonFrame } from './frame-stream.ts'

/**
 * The requesting side of `/mcpp/block/1.0.0` (block-protocol.ts) on a stream already
 * opened to the relay that holds the blocks: a worker's stream to its relay
 * (worker/core/block-client.ts), or a relay's to a member (relay/forwarding/block-transfer.ts).
 * The stream is closed when the exchange is done, and aborted when it fails.
 */

/** The block's bytes, verified against the CID: the other side cannot hand out other content. */
export async function getBlockOver(
  stream: Stream,
  cid: string,
  options: { signal?: AbortSignal } = {},
): Promise<Uint8Array> {
  return exchange(stream, async (reader) => {
    const parsed = CID.parse(cid)
    await writeJsonFrame(stream, { op: 'get', cid })
    const response = blockResponse.parse(await within(reader.json(), options.signal))
    if (!response.ok) throw new Error(`block ${cid}: ${response.code}: ${response.message}`)
    if (!('size' in response)) throw new Error(`block ${cid}: malformed response`)
    const bytes = await within(reader.bytes(response.size), options.signal)
    if (!(await verifyBlock(parsed, bytes))) throw new Error(`block ${cid}: content does not match its CID`)
    return bytes
  })
}

/** Stores `bytes` as an output block of task `taskId` leased under `token`; returns the CID the other side computed. */
export async function putBlockOver(
  stream: Stream,
  bytes: Uint8Array,
  task: { taskId: string; token: number },
  options: { signal?: AbortSignal } = {},
): Promise<string> {
  return exchange(stream, async (reader) => {
    if (bytes.byteLength > MAX_BLOCK_BYTES) throw new Error(`a block is limited to ${MAX_BLOCK_BYTES} bytes`)
    await writeJsonFrame(stream, {
      op: 'put',
      size: bytes.byteLength,
      taskId: task.taskId,
      token: task.token,
    })
    const ready = blockResponse.parse(await within(reader.json(), options.signal))
    if (!ready.ok) throw new Error(`storing a block: ${ready.code}: ${ready.message}`)
    await writeChunks(stream, bytes, BLOCK_CHUNK)
    const response = blockResponse.parse(await within(reader.json(), options.signal))
    if (!response.ok) throw new Error(`storing a block: ${response.code}: ${response.message}`)
    if (!('cid' in response)) throw new Error('storing a block: malformed response')
    return response.cid
  })
}

async function exchange<T>(stream: Stream, run: (reader: FrameReader) => Promise<T>): Promise<T> {
  try {
    const result = await run(new FrameReader(stream, Math.max(BLOCK_CHUNK, 4096)))
    await stream.close().catch(() => {})
    return result
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
