import type { KindOutcome } from '../../shared/task/kinds/run-kind.ts'
import { ComputePool } from '../../worker/compute/compute-pool.ts'
import { spawnNodeCompute } from '../../worker/compute/node-compute.ts'

/** Heap of the relay's recompute thread: a spot-check runs one task at a time. */
const VERIFIER_HEAP_MB = 256
/**
 * Recomputes waiting at most. A submitter may ask for `spot-check:1` on many heavy
 * tasks; past this backlog a sampled answer settles unchecked (and says so) rather
 * than queueing relay work and memory without bound.
 */
const MAX_PENDING = 64

/**
 * Recomputes sampled worker answers on the relay (trust `spot-check`), in a worker
 * thread with the task's own time limit, so that a heavy or runaway task never holds
 * the relay's event loop. The same compute pool the Node worker uses; started on the
 * first spot-check.
 */
export class Verifier {
  private pool: ComputePool | undefined
  private readonly size: number
  private pending = 0

  constructor(size = 1) {
    this.size = size
  }

  async recompute(
    kind: string,
    input: unknown,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<KindOutcome> {
    if (this.pending >= MAX_PENDING) throw new Error(`${MAX_PENDING} recomputes are already waiting`)
    this.pool ??= new ComputePool(() => spawnNodeCompute(VERIFIER_HEAP_MB), this.size)
    this.pending++
    try {
      return await this.pool.run(kind, input, { timeoutMs, ...(signal === undefined ? {} : { signal }) })
    } finally {
      this.pending--
    }
  }

  close(): void {
    this.pool?.close()
    this.pool = undefined
  }
}
