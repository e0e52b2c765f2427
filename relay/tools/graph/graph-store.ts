import type { Compute, ComputePool } from '../../compute/index.ts'
import { siblingModule } from '../../compute/worker-reply.ts'

/**
 * The relay's side of the graph store: every graph task runs on one graph thread
 * (graph-worker.ts) that holds the graphs, so no PageRank, path search or import holds
 * the event loop (issue 9), and a task past the time limit is stopped with its thread.
 */
export class GraphStore {
  private readonly dir: string
  private readonly pool: ComputePool

  constructor(dir: string, compute: Compute) {
    this.dir = dir
    this.pool = compute.stateful(siblingModule(import.meta.url, 'graph-worker'), 'the graph thread')
  }

  /** Runs one graph operation (an export of graph-worker.ts) on the graph thread. */
  run<T>(op: string, input: unknown, signal: AbortSignal): Promise<T> {
    // As JSON text: a clone of many small objects costs the event loop five times more.
    return this.pool.run<T>(op, { dir: this.dir, input }, { signal, json: true })
  }
}
