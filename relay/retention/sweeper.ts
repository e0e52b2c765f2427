import { performance } from 'node:perf_hooks'
import { McppError } from '../../shared/errors.ts'
import type { LifecyclePart } from '../../shared/startable.ts'
import { type FinishedPosition, removalBound } from '../../shared/task/retention.ts'
import type { RelayConfig } from '../config/schema.ts'
import { loopTurn } from '../event-loop-turn.ts'
import type { Logger } from '../log.ts'
import type { VacuumStep } from '../store/sqlite-vacuum.ts'
import { type RetentionBatch, START, type TaskRetention } from '../task-queue/store/task-retention.ts'
import type { BlockCollector } from './block-collector.ts'
import type { RetentionMetrics } from './retention-metrics.ts'

/** Free pages given back per step (1 MiB at SQLite's default 4 KiB page): a few ms each. */
const VACUUM_PAGES_PER_STEP = 256
/**
 * A batch ends once it has held the event loop this long, even short of batchSize rows
 * (a 500-row batch of tasks takes ~25 ms on a busy 2-core machine; slower disks more).
 */
const BATCH_BUDGET_MS = 25

/** What one sweep removed. */
export interface SweepReport {
  tasks: number
  workflows: number
  /** Records of expired task ids trimmed (older than the max age, beyond the max count). */
  expiredRecords: number
  blocks: number
  cacheEntries: number
  /** Bytes the two SQLite files gave back to the OS. */
  bytesReclaimed: { tasks: number; cache: number }
  durationMs: number
}

export interface SweeperInit {
  retention: TaskRetention
  cache: { purgeExpired(limit: number): number; vacuum(pages: number): VacuumStep }
  blocks: BlockCollector
  limits: RelayConfig['retention']
  metrics: RetentionMetrics
  log: Logger
  now: () => number
  /**
   * Copies the task queue's WAL into its file, so that the pages a sweep gave back leave
   * the file now. The relay passes its checkpointer's (relay/store/checkpointer.ts);
   * without it, a PASSIVE checkpoint on this thread.
   */
  checkpoint?: () => Promise<void>
}

/**
 * The retention sweep (issue 16) as a part of the relay: every
 * `retention.sweepIntervalSeconds` (first one interval after start), and on demand with
 * `sweepNow()`. One sweep at a time; each batch is one short transaction and the event
 * loop runs between batches, so a sweep with a large backlog stretches out in time
 * rather than stalling calls. It starts after the stores and the libp2p node (whose
 * blockstore it deletes from) and stops before them; a sweep in progress stops at the
 * next batch.
 */
export class RetentionSweeper implements LifecyclePart {
  readonly name = 'retention'
  readonly #init: SweeperInit
  #timer: NodeJS.Timeout | undefined
  #chain: Promise<unknown> = Promise.resolve()
  #abort = new AbortController()
  #stopped = false

  constructor(init: SweeperInit) {
    this.#init = init
  }

  start(): void {
    this.#stopped = false
    this.#abort = new AbortController()
    this.#schedule()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#abort.abort(new McppError('SHUTTING_DOWN', 'the relay is stopping'))
    await this.#chain.catch(() => {})
  }

  /** Runs a sweep now (after the one in progress, if any) and resolves with what it removed. */
  sweepNow(): Promise<SweepReport> {
    if (this.#stopped) return Promise.reject(new McppError('SHUTTING_DOWN', 'retention is stopped'))
    const run = this.#chain.catch(() => {}).then(() => this.#measured(this.#abort.signal))
    this.#chain = run
    return run
  }

  #schedule(): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => {
      this.sweepNow()
        .catch((err: Error) => {
          if (!this.#stopped) this.#init.log.error('retention sweep failed', { error: err.message })
        })
        .finally(() => this.#schedule())
    }, this.#init.limits.sweepIntervalSeconds * 1000)
    this.#timer.unref()
  }

  async #measured(signal: AbortSignal): Promise<SweepReport> {
    const { metrics, log } = this.#init
    const started = performance.now()
    try {
      const report = await this.#sweep(signal, started)
      metrics.sweeps.inc({ outcome: 'ok' })
      if (report.tasks + report.workflows + report.blocks + report.cacheEntries > 0)
        log.info('retention sweep', { ...report })
      return report
    } catch (err) {
      metrics.sweeps.inc({ outcome: 'error' })
      throw err
    } finally {
      metrics.sweepDuration.observe((performance.now() - started) / 1000)
    }
  }

  async #sweep(signal: AbortSignal, started: number): Promise<SweepReport> {
    const { retention, cache, blocks, limits, metrics } = this.#init
    const now = this.#init.now()
    const maxAgeMs = limits.taskMaxAgeSeconds * 1000
    const batch = limits.batchSize
    const counted = (store: string) => (b: RetentionBatch) => {
      metrics.rowsRemoved.inc({ store }, b.removed)
      return b
    }
    const tasks = await walk(
      removalBound(now, { maxAgeMs }, retention.taskCountBoundary(limits.taskMaxCount)),
      (after, upTo) => counted('tasks')(retention.removeTasks(after, upTo, batch, now, overdue())),
      signal,
    )
    const workflows = await walk(
      removalBound(now, { maxAgeMs }, retention.workflowCountBoundary(limits.taskMaxCount)),
      (after, upTo) => counted('workflows')(retention.removeWorkflows(after, upTo, batch, overdue())),
      signal,
    )
    let expiredRecords = 0
    await repeat(() => {
      const n = retention.trimExpired(now - maxAgeMs, limits.taskMaxCount, batch)
      expiredRecords += n
      metrics.rowsRemoved.inc({ store: 'expired_tasks' }, n)
      return n > 0
    }, signal)
    let blocksRemoved = 0
    await repeat(async () => {
      const b = await blocks.collect(batch, signal)
      blocksRemoved += b.removed
      metrics.blocksRemoved.inc(b.removed)
      return b.seen === batch && b.failed === 0
    }, signal)
    let cacheEntries = 0
    await repeat(() => {
      const n = cache.purgeExpired(batch)
      cacheEntries += n
      metrics.cachePurged.inc(n)
      return n === batch
    }, signal)
    const bytesReclaimed = {
      tasks: await giveBack((pages) => retention.vacuum(pages), signal),
      cache: await giveBack((pages) => cache.vacuum(pages), signal),
    }
    // The file shrinks when the WAL is copied back; without this, an idle relay's file
    // would wait for the next checkpoint.
    if (bytesReclaimed.tasks > 0) await (this.#init.checkpoint?.() ?? retention.checkpoint())
    metrics.bytesReclaimed.inc({ store: 'tasks' }, bytesReclaimed.tasks)
    metrics.bytesReclaimed.inc({ store: 'cache' }, bytesReclaimed.cache)
    return {
      tasks,
      workflows,
      expiredRecords,
      blocks: blocksRemoved,
      cacheEntries,
      bytesReclaimed,
      durationMs: performance.now() - started,
    }
  }
}

/** A deadline BATCH_BUDGET_MS from now. */
function overdue(): () => boolean {
  const end = performance.now() + BATCH_BUDGET_MS
  return () => performance.now() > end
}

/** Walks the finished order up to `upTo`, a batch at a time; returns the rows removed. */
async function walk(
  upTo: FinishedPosition,
  batch: (after: FinishedPosition, upTo: FinishedPosition) => RetentionBatch,
  signal: AbortSignal,
): Promise<number> {
  let after: FinishedPosition | undefined = START
  let removed = 0
  while (after !== undefined) {
    signal.throwIfAborted()
    const done: RetentionBatch = batch(after, upTo)
    removed += done.removed
    after = done.next
    await loopTurn()
  }
  return removed
}

/** Runs `step` until it says there is no more, yielding between steps. */
async function repeat(step: () => boolean | Promise<boolean>, signal: AbortSignal): Promise<void> {
  for (;;) {
    signal.throwIfAborted()
    const more = await step()
    await loopTurn()
    if (!more) return
  }
}

/** Incremental vacuum in steps until no free page is left; returns the bytes given back. */
async function giveBack(step: (pages: number) => VacuumStep, signal: AbortSignal): Promise<number> {
  let bytes = 0
  for (;;) {
    signal.throwIfAborted()
    const { freedPages, freeLeft, pageSize } = step(VACUUM_PAGES_PER_STEP)
    bytes += freedPages * pageSize
    if (freeLeft === 0 || freedPages === 0) return bytes
    await loopTurn()
  }
}
