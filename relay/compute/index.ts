/**
 * Worker threads for CPU-heavy tool work (issue 9: no call may hold the event loop for
 * more than 50 ms). `ComputePool` runs a worker module's exports with a time limit; the
 * stateless pool built here runs `compute-worker.ts`, and the graph, search and vector
 * stores each own a one-thread pool that keeps their indexes in memory.
 */
import type { RelayConfig } from '../config/schema.ts'
import { ComputePool, defaultComputeThreads } from './compute-pool.ts'
import { siblingModule } from './worker-reply.ts'

export { ComputePool } from './compute-pool.ts'

/** What every pool of a relay shares: its time limit and heap limit. */
export interface ComputeSettings {
  timeoutMs: number
  memoryMb: number
}

export function computeSettings(config: RelayConfig['compute']): ComputeSettings {
  return { timeoutMs: config.timeoutSeconds * 1000, memoryMb: config.memoryMb }
}

/** The pool for stateless work: text tools, scans, audit reads. */
export function createComputePool(config: RelayConfig['compute']): ComputePool {
  return new ComputePool({
    module: siblingModule(import.meta.url, 'compute-worker'),
    threads: config.threads ?? defaultComputeThreads(),
    label: 'the compute thread',
    ...computeSettings(config),
  })
}

/** A one-thread pool for a module that owns state in memory (its tasks run one at a time, in order). */
export function createStatefulPool(module: URL, label: string, settings: ComputeSettings): ComputePool {
  return new ComputePool({ module, threads: 1, label, ...settings, idleMs: 300_000 })
}
