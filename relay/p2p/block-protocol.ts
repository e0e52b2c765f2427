import type { Libp2p } from '@libp2p/interface'
import { BLOCK_CHUNK, BLOCK_PROTOCOL, blockRequest } from '../../shared/wire/block-protocol.ts'
import { FrameReader, writeChunks, writeJsonFrame } from '../../shared/wire/frame-stream.ts'
import type { Logger } from '../log.ts'
import type { ContentStore } from './content-store.ts'

/** What the block protocol asks of the task queue: which blocks a peer's tasks let it touch. */
export interface BlockAccess {
  /** A connected worker of this peer holds a task whose input is this block. */
  holdsInput(peerId: string, cid: string): boolean
  /** The task this peer's worker holds under `token`, with the output blocks it stored for it. */
  heldBy(
    peerId: string,
    taskId: string,
    token: number,
  ): { outputCids: Set<string> | undefined; outputBytes: number } | undefined
}

export interface BlockProtocolInit {
  content: ContentStore
  access: BlockAccess
  /** Output bytes a worker may store per task it holds. */
  maxOutputBytesPerTask: number
  /** A refused request counts against the peer (strikes). */
  onRefused(peerId: string, code: string): void
  log: Logger
}

/**
 * The relay's side of `/mcpp/block/1.0.0`. A block is only for the worker whose task
 * needs it (issue 9): a worker may read the input blocks of tasks it holds, and store
 * output blocks of a task it holds (named by task and lease token), within a quota per
 * task. Anything else, including the operator's own content, is refused before a byte
 * of it moves.
 */
export async function handleBlockProtocol(libp2p: Libp2p, init: BlockProtocolInit): Promise<void> {
  await libp2p.handle(
    BLOCK_PROTOCOL,
    async (stream, connection) => {
      const peerId = connection.remotePeer.toString()
      const reader = new FrameReader(stream, Math.max(BLOCK_CHUNK, 4096))
      const refuse = (code: string, message: string) => {
        init.onRefused(peerId, code)
        return writeJsonFrame(stream, { ok: false, code, message })
      }
      try {
        const request = blockRequest.safeParse(await reader.json())
        if (!request.success) {
          await refuse('INVALID_REQUEST', request.error.message)
        } else if (request.data.op === 'get') {
          const { cid } = request.data
          const bytes = init.access.holdsInput(peerId, cid) ? await init.content.get(cid) : undefined
          if (bytes === undefined) {
            // One answer for "not yours" and "not here": a stranger learns nothing about what the relay holds.
            await refuse('NOT_FOUND', `no block ${cid} for a task this peer holds`)
          } else {
            await writeJsonFrame(stream, { ok: true, size: bytes.byteLength })
            await writeChunks(stream, bytes, BLOCK_CHUNK)
          }
        } else {
          const { taskId, token, size } = request.data
          const held = init.access.heldBy(peerId, taskId, token)
          if (held === undefined) {
            await refuse('FORBIDDEN', 'a worker may store blocks only for a task it holds')
          } else if (held.outputBytes + size > init.maxOutputBytesPerTask) {
            await refuse(
              'QUOTA_EXCEEDED',
              `a task's output blocks are limited to ${init.maxOutputBytesPerTask} bytes`,
            )
          } else {
            held.outputBytes += size
            await writeJsonFrame(stream, { ok: true, ready: true })
            const bytes = await reader.bytes(size)
            const cid = await init.content.put(bytes)
            held.outputCids ??= new Set()
            held.outputCids.add(cid)
            await writeJsonFrame(stream, { ok: true, cid })
          }
        }
        await stream.close()
      } catch (err) {
        init.log.debug('block protocol stream failed', { error: (err as Error).message })
        stream.abort(err as Error)
      }
    },
    { maxInboundStreams: 16 },
  )
}
