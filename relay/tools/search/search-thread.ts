import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Compute, ComputePool } from '../../compute/index.ts'
import { siblingModule } from '../../compute/worker-reply.ts'

/**
 * The relay's side of the search indexes: every index task runs on one search thread
 * (search-worker.ts) that holds the MiniSearch indexes, so building and querying never
 * hold the event loop (issue 9), and a task past the time limit is stopped with its
 * thread (indexes are read back from their files by the next task).
 */
export class SearchThread {
  private readonly dir: string
  private readonly pool: ComputePool

  constructor(dir: string, compute: Compute) {
    this.dir = dir
    this.pool = compute.stateful(siblingModule(import.meta.url, 'search-worker'), 'the search thread')
  }

  run<T>(op: string, input: unknown, signal?: AbortSignal): Promise<T> {
    return this.pool.run<T>(op, { dir: this.dir, input }, signal ? { signal } : {})
  }

  exists(name: string): boolean {
    return existsSync(join(this.dir, `${name}.json`))
  }
}
