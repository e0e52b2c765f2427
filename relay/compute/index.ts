/**
 * Worker threads for CPU-heavy tool work (issue 9: no call may hold the event loop for
 * more than 50 ms). `ComputePool` runs a worker module's exports with a time limit. A
 * relay has one `Compute`: a pool for stateless work (`compute-worker.ts`) and a
 * one-thread pool per store that keeps its indexes in memory (graph, search, vector).
 */
import type { LifecyclePart } from '../../shared/startable.ts'
import type { RelayConfig } from '../config/schema.ts'
import { ComputePool, defaultComputeThreads } from './compute-pool.ts'
import { siblingModule } from './worker-reply.ts'

export class Compute implements LifecyclePart {
  readonly name = 'compute'
  /** Stateless work: text tools, scans, audit reads. */
  readonly pool: ComputePool
  private readonly config: RelayConfig['compute']
  private readonly pools: ComputePool[] = []

  constructor(config: RelayConfig['compute']) {
    this.config = config
    this.pool = this.add(siblingModule(import.meta.url, 'compute-worker'), {
      threads: config.threads ?? defaultComputeThreads(),
      label: 'the compute thread',
    })
  }

  /**
   * A one-thread pool for a module that owns state in memory: its tasks run one at a
   * time, in order. If a task is stopped, the thread goes with it and the next task
   * starts a fresh one, which reloads what it needs from disk.
   */
  stateful(module: URL, label: string): ComputePool {
    return this.add(module, { threads: 1, label, idleMs: 300_000 })
  }

  /** Every pool, the store threads included. */
  get allPools(): readonly ComputePool[] {
    return this.pools
  }

  /** Threads start on demand, per pool. */
  start(): void {}

  /**
   * Ends the threads of every pool, the store threads (graph, search, vector) included:
   * they are made here (`stateful`), so this part stops them all.
   */
  async stop(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.stop()))
  }

  private add(module: URL, options: { threads: number; label: string; idleMs?: number }): ComputePool {
    const pool = new ComputePool({
      module,
      timeoutMs: this.config.timeoutSeconds * 1000,
      memoryMb: this.config.memoryMb,
      ...options,
    })
    this.pools.push(pool)
    return pool
  }
}
