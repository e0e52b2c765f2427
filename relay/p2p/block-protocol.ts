import type { Libp2p } from '@libp2p/interface'
import { BLOCK_CHUNK, BLOCK_PROTOCOL, blockRequest } from '../../shared/wire/block-protocol.ts'
import { FrameReader, writeChunks, writeJsonFrame } from '../../shared/wire/frame-stream.ts'
import type { Logger } from '../log.ts'
import type { ContentStore } from './content-store.ts'

/**
 * The relay's side of `/mcpp/block/1.0.0`: serves blocks to anyone (they are content
 * addressed and verified by the reader) and stores blocks only for peers that are
 * connected task workers, so that a stranger cannot fill the relay's disk.
 */
export async function handleBlockProtocol(
  libp2p: Libp2p,
  content: ContentStore,
  isWorker: (peerId: string) => boolean,
  log: Logger,
): Promise<void> {
  await libp2p.handle(
    BLOCK_PROTOCOL,
    async (stream, connection) => {
      const reader = new FrameReader(stream, Math.max(BLOCK_CHUNK, 4096))
      try {
        const request = blockRequest.safeParse(await reader.json())
        if (!request.success) {
          await writeJsonFrame(stream, { ok: false, code: 'INVALID_REQUEST', message: request.error.message })
        } else if (request.data.op === 'get') {
          const bytes = await content.get(request.data.cid)
          if (bytes === undefined) {
            await writeJsonFrame(stream, {
              ok: false,
              code: 'NOT_FOUND',
              message: `no block ${request.data.cid}`,
            })
          } else {
            await writeJsonFrame(stream, { ok: true, size: bytes.byteLength })
            await writeChunks(stream, bytes, BLOCK_CHUNK)
          }
        } else if (!isWorker(connection.remotePeer.toString())) {
          await writeJsonFrame(stream, {
            ok: false,
            code: 'FORBIDDEN',
            message: 'only connected task workers may store blocks',
          })
        } else {
          const bytes = await reader.bytes(request.data.size)
          await writeJsonFrame(stream, { ok: true, cid: await content.put(bytes) })
        }
        await stream.close()
      } catch (err) {
        log.debug('block protocol stream failed', { error: (err as Error).message })
        stream.abort(err as Error)
      }
    },
    { maxInboundStreams: 16 },
  )
}
