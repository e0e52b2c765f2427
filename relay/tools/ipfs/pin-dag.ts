import type { Helia } from 'helia'
import type { CID } from 'multiformats/cid'
import { safeWalker, walkDag } from './dag-walk.ts'
import { contentError } from './ipfs-errors.ts'

/**
 * Pins the DAG under `root` from this relay's own blocks, never the network (the walker
 * reads offline). It first walks the whole DAG, each block once, so that a missing
 * block fails the call before Helia touches a pin count: Helia raises the counts block
 * by block and, on a failure, leaves them raised for a pin it never records. Returns the
 * number of blocks, 0 when the root was already pinned.
 */
export async function pinDag(helia: Helia, root: CID, signal: AbortSignal): Promise<number> {
  if (await helia.pins.isPinned(root, { signal })) return 0
  let blocks = 0
  try {
    for await (const _ of walkDag(helia, root, { signal })) blocks++
    for await (const _ of helia.pins.add(root, { walker: safeWalker(), signal })) {
      // the walk above found every block; Helia walks again to count them as pinned
    }
  } catch (err) {
    throw contentError(root.toString(), err, signal)
  }
  return blocks
}

/** Unpins `root`, tolerating blocks that are gone; returns whether it was pinned. */
export async function unpinDag(helia: Helia, root: CID, signal: AbortSignal): Promise<boolean> {
  if (!(await helia.pins.isPinned(root, { signal }))) return false
  for await (const _ of helia.pins.rm(root, { walker: safeWalker({ skipMissing: true }), signal })) {
    // each block's pin count goes down once
  }
  return true
}
