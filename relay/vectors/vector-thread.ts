import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Compute, ComputePool } from '../compute/index.ts'
import { siblingModule } from '../compute/worker-reply.ts'

/**
 * The relay's side of the vector store: every index task runs on one vector thread
 * (vector-worker.ts) that holds the HNSW indexes, so building, adding and searching
 * never hold the event loop (issue 9), and a task past the time limit is stopped with
 * its thread (the indexes are read back from their files by the next task).
 */
export class VectorThread {
  private readonly dir: string
  private readonly pool: ComputePool

  constructor(dir: string, compute: Compute) {
    this.dir = dir
    this.pool = compute.stateful(siblingModule(import.meta.url, 'vector-worker'), 'the vector thread')
  }

  run<T>(op: string, input: unknown, signal: AbortSignal): Promise<T> {
    // Structured clone: it copies arrays of numbers far faster than JSON writes them.
    return this.pool.run<T>(op, { dir: this.dir, input }, { signal })
  }

  exists(name: string): boolean {
    return existsSync(join(this.dir, `${name}.json`))
  }
}
