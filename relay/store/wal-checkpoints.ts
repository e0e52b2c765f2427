import type { Registry } from 'prom-client'
import type { Compute } from '../compute/index.ts'
import type { Logger } from '../log.ts'
import type { CheckpointResult } from './checkpoint-worker.ts'
import { Checkpointer } from './checkpointer.ts'

/** How often the stores' WALs are looked at: each holds about this much of writes. */
export const CHECKPOINT_INTERVAL_MS = 1_000
/** After a checkpoint fails on the compute thread, SQLite checkpoints the file itself for this long. */
const CHECKPOINT_RETRY_MS = 60_000

/**
 * The relay's checkpointer, on the stateless compute pool (checkpoint-worker.ts's
 * `checkpoint` is one of its operations). A thread of its own would cost an isolate
 * (~10 MB, measured) for a few ms of work a second; on the shared pool a checkpoint may
 * wait behind a tool's work, at most `compute.timeoutSeconds`, the WAL growing meanwhile.
 */
export function createCheckpointer(compute: Compute, log: Logger, registry: Registry): Checkpointer {
  return new Checkpointer({
    run: (path) => compute.pool.run<CheckpointResult>('checkpoint', { path }),
    intervalMs: CHECKPOINT_INTERVAL_MS,
    retryAfterMs: CHECKPOINT_RETRY_MS,
    log,
    registry,
  })
}
