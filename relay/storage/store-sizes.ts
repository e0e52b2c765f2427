import type { Dirent } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { OTHER_STORE, STORES, storeOfEntry } from './stores.ts'

/** The sizes are walked again at most this often: a blockstore can hold millions of files. */
export const SIZE_WALK_INTERVAL_MS = 30_000

/**
 * The bytes each store takes on disk, from a walk of the data directory. The walk is
 * asynchronous (each directory read and stat is a libuv call, so the event loop goes on
 * between them) and at most one runs at a time; a scrape gets the last totals and starts
 * a new walk when they are older than SIZE_WALK_INTERVAL_MS. Only the first scrape
 * waits for a walk. Sizes are allocated blocks (as `du` counts), what fills the disk.
 */
export class StoreSizes {
  private readonly dataDir: string
  private readonly now: () => number
  private readonly intervalMs: number
  private last: { at: number; bytes: Map<string, number> } | undefined
  private walking: Promise<Map<string, number>> | undefined

  constructor(dataDir: string, now: () => number = Date.now, intervalMs = SIZE_WALK_INTERVAL_MS) {
    this.dataDir = dataDir
    this.now = now
    this.intervalMs = intervalMs
  }

  /** Bytes by store name (every store is present, 0 when it has no files yet). */
  async current(): Promise<Map<string, number>> {
    const last = this.last
    if (last !== undefined && this.now() - last.at <= this.intervalMs) return last.bytes
    const walk = this.walk()
    return last === undefined ? walk : last.bytes
  }

  private walk(): Promise<Map<string, number>> {
    this.walking ??= this.measure()
      .then((bytes) => {
        this.last = { at: this.now(), bytes }
        return bytes
      })
      .finally(() => {
        this.walking = undefined
      })
    return this.walking
  }

  private async measure(): Promise<Map<string, number>> {
    const bytes = new Map<string, number>([...STORES.map((s) => [s.store, 0] as const), [OTHER_STORE, 0]])
    for (const entry of await entries(this.dataDir)) {
      const store = storeOfEntry(entry.name)
      bytes.set(store, (bytes.get(store) ?? 0) + (await usage(join(this.dataDir, entry.name), entry)))
    }
    return bytes
  }
}

/** A directory's entries; none when it is gone (a store removed while it was walked). */
async function entries(dir: string): Promise<Dirent[]> {
  return readdir(dir, { withFileTypes: true }).catch(() => [])
}

/** Bytes allocated to a file, or to a folder and everything under it (symbolic links are not followed). */
async function usage(path: string, entry: Dirent): Promise<number> {
  if (entry.isDirectory()) {
    let total = 0
    for (const inner of await entries(path)) total += await usage(join(path, inner.name), inner)
    return total
  }
  const stats = await lstat(path).catch(() => undefined)
  if (stats === undefined) return 0
  // `blocks` counts 512-byte units on POSIX; where it is missing, the length is the best guess.
  return stats.blocks > 0 || stats.size === 0 ? stats.blocks * 512 : stats.size
}
