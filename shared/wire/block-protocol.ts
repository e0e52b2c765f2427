import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { z } from '../zod-mini.ts'

/**
 * `/mcpp/block/1.0.0`: a worker fetches or stores one content-addressed block on the
 * relay it is connected to. One request per stream. Frames are length-prefixed; the
 * first frame of each side is a JSON header, and block bytes follow as raw frames of
 * at most BLOCK_CHUNK bytes.
 *
 *   get: → {op:'get', cid}           ← {ok:true, size} + bytes | {ok:false, code, message}
 *   put: → {op:'put', size, taskId, token}  ← {ok:true, ready:true} | {ok:false, code, message}
 *        → bytes                            ← {ok:true, cid}
 *   (the relay accepts or refuses before a byte of the block is sent)
 *
 * The reader of a `get` verifies the bytes against the CID; the relay computes the CID
 * of a `put` itself. A worker may get only the input blocks of tasks it holds, and put
 * only output blocks of a task it holds (named by its lease token), within a quota.
 */
export const BLOCK_PROTOCOL = '/mcpp/block/1.0.0'
export const BLOCK_CHUNK = 256 * 1024
export const MAX_BLOCK_BYTES = 64 * 1024 * 1024

const size = z.int().check(z.minimum(0), z.maximum(MAX_BLOCK_BYTES))

export const blockRequest = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('get'), cid: z.string().check(z.minLength(1), z.maxLength(256)) }),
  z.strictObject({
    op: z.literal('put'),
    size,
    taskId: z.string().check(z.minLength(1), z.maxLength(128)),
    token: z.int().check(z.nonnegative()),
  }),
])

export const blockResponse = z.union([
  z.strictObject({ ok: z.literal(true), size }),
  z.strictObject({ ok: z.literal(true), cid: z.string() }),
  z.strictObject({ ok: z.literal(true), ready: z.literal(true) }),
  z.strictObject({ ok: z.literal(false), code: z.string(), message: z.string() }),
])

export type BlockRequest = z.infer<typeof blockRequest>
export type BlockResponse = z.infer<typeof blockResponse>

/** The CIDv1 (raw codec, sha2-256) of some bytes: how task payloads are addressed. */
export async function cidOf(bytes: Uint8Array): Promise<CID> {
  return CID.create(1, raw.code, await sha256.digest(bytes))
}

/** Whether `bytes` are the content `cid` names (sha2-256 CIDs only). */
export async function verifyBlock(cid: CID, bytes: Uint8Array): Promise<boolean> {
  if (cid.multihash.code !== sha256.code) return false
  const digest = await sha256.digest(bytes)
  const a = digest.digest
  const b = cid.multihash.digest
  return a.length === b.length && a.every((v, i) => v === b[i])
}
