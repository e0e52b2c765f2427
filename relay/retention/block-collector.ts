import type { Helia } from 'helia'
import { CID } from 'multiformats/cid'
import type { Logger } from '../log.ts'
import type { TaskRetention } from '../task-queue/store/task-retention.ts'

export interface CollectedBatch {
  /** Orphan CIDs looked at. */
  seen: number
  /** Blocks deleted. */
  removed: number
  /** Blocks that could not be deleted now (left for the next sweep). */
  failed: number
}

export interface BlockCollectorInit {
  retention: TaskRetention
  /** The relay's Helia node; rejects while libp2p is not running (its blocks stay queued). */
  helia: () => Promise<Helia>
  log: Logger
}

/**
 * Deletes the payload blocks of removed tasks and workflows (the `orphan_blocks` queue
 * the removing transaction filled) once nothing needs them: no task, step or item names
 * the CID any more, and Helia holds no pin on it (`pins.isPinned` is true for every block
 * of a pinned DAG, so a block shared with content a user pinned stays).
 *
 * Why not `helia.gc()`: it deletes every unpinned block, and the blocks of queued and
 * running tasks (and unpinned `ipfs_add … pin:false` content) are unpinned. Pinning every
 * payload instead would cost a pin write and a walk per task on the hot path. Deleting
 * through `helia.blockstore` still goes through Helia's own guard: it refuses a pinned
 * block (BlockPinnedError) under its write lock.
 *
 * Known window: a task submitted with the same payload between the reference check
 * and the delete (its block write was a no-op, the block existing) loses its block and
 * fails with NOT_FOUND when a worker fetches it. The check runs again right before the
 * delete to keep the window to one blockstore call.
 */
export class BlockCollector {
  readonly #init: BlockCollectorInit

  constructor(init: BlockCollectorInit) {
    this.#init = init
  }

  /** Looks at up to `limit` queued CIDs; `seen < limit` means the queue is empty. */
  async collect(limit: number, signal: AbortSignal): Promise<CollectedBatch> {
    const { retention, log } = this.#init
    const cids = retention.orphanBlocks(limit)
    if (cids.length === 0) return { seen: 0, removed: 0, failed: 0 }
    let helia: Helia
    try {
      helia = await this.#init.helia()
    } catch {
      // No node (P2P disabled or stopping): the queue waits for one.
      return { seen: 0, removed: 0, failed: cids.length }
    }
    const handled: string[] = []
    let removed = 0
    let failed = 0
    for (const text of cids) {
      signal.throwIfAborted()
      const cid = parse(text)
      if (cid === undefined || retention.isReferenced(text) || (await helia.pins.isPinned(cid, { signal }))) {
        handled.push(text)
        continue
      }
      if (retention.isReferenced(text)) {
        handled.push(text)
        continue
      }
      try {
        await helia.blockstore.delete(cid, { signal })
        removed++
        handled.push(text)
      } catch (err) {
        const name = (err as Error).name
        if (name === 'BlockPinnedError' || name === 'NotFoundError') handled.push(text)
        else {
          failed++
          log.warn('retention could not delete a payload block; it is tried again next sweep', {
            cid: text,
            error: (err as Error).message,
          })
        }
      }
    }
    retention.forgetOrphans(handled)
    return { seen: cids.length, removed, failed }
  }
}

function parse(text: string): CID | undefined {
  try {
    return CID.parse(text)
  } catch {
    return undefined
  }
}
