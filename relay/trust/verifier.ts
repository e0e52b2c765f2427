import type { KindOutcome } from '../../shared/task/kinds/run-kind.ts'
import { ComputePool } from '../../worker/compute/compute-pool.ts'
import { spawnNodeCompute } from '../../worker/compute/node-compute.ts'

/** Heap of the relay's recompute thread: a spot-check runs one task at a time. */
const VERIFIER_HEAP_MB = 256

/**
 * Recomputes sampled worker answers on the relay (trust `spot-check`), in a worker
 * thread with the task's own time limit, so that a heavy or runaway task never holds
 * the relay's event loop. The same compute pool the Node worker uses; started on the
 * first spot-check.
 */
export class Verifier {
  private pool: ComputePool | undefined
  private readonly size: number

  constructor(size = 1) {
    this.size = size
  }

  recompute(kind: string, input: unknown, timeoutMs: number, signal?: AbortSignal): Promise<KindOutcome> {
    this.pool ??= new ComputePool(() => spawnNodeCompute(VERIFIER_HEAP_MB), this.size)
    return this.pool.run(kind, input, { timeoutMs, ...(signal === undefined ? {} : { signal }) })
  }

  close(): void {
    this.pool?.close()
    this.pool = undefined
  }
}
