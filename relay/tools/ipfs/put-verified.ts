import type { Helia } from 'helia'
import type { CID } from 'multiformats/cid'
import { McppError } from '../../../shared/errors.ts'
import { MAX_BLOCK_BYTES } from './limits.ts'

/**
 * Stores a block that came from outside (a CAR file) after checking that its bytes
 * hash to its CID. Neither @ipld/car's reader nor Helia's blockstore checks this, and a
 * block stored under a CID it does not match would be served to everyone who asks for
 * that CID. Unknown hash functions and over-large blocks are refused too.
 */
export async function putVerified(
  helia: Helia,
  block: { cid: CID; bytes: Uint8Array },
  signal: AbortSignal,
): Promise<void> {
  const { cid, bytes } = block
  if (bytes.length > MAX_BLOCK_BYTES) {
    throw new McppError(
      'BAD_DATA',
      `block ${cid} is ${bytes.length} bytes; blocks are at most ${MAX_BLOCK_BYTES}`,
      {
        cid: cid.toString(),
      },
    )
  }
  let hasher: Awaited<ReturnType<Helia['getHasher']>>
  try {
    hasher = await helia.getHasher(cid.multihash.code)
  } catch {
    throw new McppError(
      'BAD_DATA',
      `block ${cid} uses hash function 0x${cid.multihash.code.toString(16)}, which this relay does not know`,
      { cid: cid.toString() },
    )
  }
  const digest = await hasher.digest(bytes)
  if (!Buffer.from(digest.bytes).equals(Buffer.from(cid.multihash.bytes))) {
    throw new McppError('BAD_DATA', `block ${cid}: its bytes do not hash to its CID`, { cid: cid.toString() })
  }
  await helia.blockstore.put(cid, bytes, { signal })
}
