import type { Libp2p, PeerId } from '@libp2p/interface'
import { getBlockOver, putBlockOver } from '../../shared/wire/block-exchange.ts'
import { BLOCK_PROTOCOL, MAX_BLOCK_BYTES } from '../../shared/wire/block-protocol.ts'

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
  return getBlockOver(await libp2p.dialProtocol(peer, BLOCK_PROTOCOL, options), cid, options)
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
  return putBlockOver(stream, bytes, { taskId: task.taskId, token: task.fence }, options)
}
