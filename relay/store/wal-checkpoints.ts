import type { Registry } from 'prom-client'
import type { Compute } from '../compute/index.ts'
import { siblingModule } from '../compute/worker-reply.ts'
import type { Logger } from '../log.ts'
import type { CheckpointResult } from './checkpoint-worker.ts'
import { Checkpointer } from './checkpointer.ts'

/** How often the stores' WALs are looked at: each holds about this much of writes. */
export const CHECKPOINT_INTERVAL_MS = 1_000
/** After the checkpoint thread fails, SQLite checkpoints the file itself for this long. */
const CHECKPOINT_RETRY_MS = 60_000

/** The relay's checkpointer, on a one-thread pool of its own (checkpoint-worker.ts). */
export function createCheckpointer(compute: Compute, log: Logger, registry: Registry): Checkpointer {
  const thread = compute.stateful(
    siblingModule(import.meta.url, 'checkpoint-worker'),
    'the checkpoint thread',
  )
  return new Checkpointer({
    run: (path) => thread.run<CheckpointResult>('checkpoint', { path }),
    intervalMs: CHECKPOINT_INTERVAL_MS,
    retryAfterMs: CHECKPOINT_RETRY_MS,
    log,
    registry,
  })
}
