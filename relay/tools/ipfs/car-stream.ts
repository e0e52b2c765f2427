import { encode as encodeCbor } from '@ipld/dag-cbor'
import type { GraphWalkerComponents } from 'helia'
import type { CID } from 'multiformats/cid'
import { encode as varint } from 'uint8-varint'
import { walkDag } from './dag-walk.ts'

/**
 * The DAG under `root` as CAR v1 bytes (https://ipld.io/specs/transport/car/carv1/): a
 * varint-prefixed DAG-CBOR header `{version: 1, roots}`, then each block once as
 * varint(length) + CID + bytes. @ipld/car's CarWriter (and @helia/car on top of it) needs
 * a producer task running beside the reader, and @helia/car's export leaves that task
 * behind when the reader stops; framing the blocks here keeps the export one pull-based
 * loop whose every failure reaches the caller, and that stops when the caller stops.
 */
export async function* carStream(
  components: GraphWalkerComponents,
  root: CID,
  options: { signal: AbortSignal },
): AsyncGenerator<Uint8Array> {
  const header = encodeCbor({ version: 1, roots: [root] })
  yield varint(header.length)
  yield header
  for await (const { block } of walkDag(components, root, { signal: options.signal })) {
    yield varint(block.cid.bytes.length + block.bytes.length)
    yield block.cid.bytes
    if (block.bytes.length > 0) yield block.bytes
  }
}
