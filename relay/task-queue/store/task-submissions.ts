import type { TaskRecord, TaskSpec } from '../../../shared/task/types.ts'
import type { ForwardedTasks, ForwardOrigin } from './forwarded-tasks.ts'
import type { Submitted, TaskInserts } from './task-inserts.ts'
import type { TaskQueries } from './task-queries.ts'

type Tx = <T>(fn: () => T) => T

export type ResubmitResult =
  | { ok: true; task: TaskRecord }
  | { ok: false; reason: 'not_found' | 'not_failed_or_cancelled' }

export interface TaskSubmissionsInit {
  now: () => number
  inserts: TaskInserts
  queries: TaskQueries
  forwarded: ForwardedTasks
  tx: Tx
}

/**
 * How tasks enter the queue's file, each call one transaction of the TaskStore: new
 * work (idempotent by key), a resubmission of a failed or cancelled task, and a task a
 * member relay handed over (idempotent by its origin).
 */
export class TaskSubmissions {
  private readonly init: TaskSubmissionsInit

  constructor(init: TaskSubmissionsInit) {
    this.init = init
  }

  /**
   * Adds tasks in one transaction (all or none), in order. A spec whose idempotency key
   * exists (also earlier in the same batch, also a finished task) returns that task with
   * `created: false`. Values are stored as given; callers validate them.
   */
  submit(specs: readonly TaskSpec[]): Submitted[] {
    const { inserts, tx } = this.init
    return tx(() =>
      specs.map((spec) => {
        if (typeof spec.kind !== 'string' || spec.kind === '') throw new Error('a task needs a kind')
        const existing = spec.idempotencyKey === undefined ? undefined : inserts.byKey(spec.idempotencyKey)
        if (existing) return { task: existing, created: false }
        return { task: inserts.insert(spec, null), created: true }
      }),
    )
  }

  /** A new queued task repeating a failed or cancelled one, linked by previousId; no idempotency key. */
  resubmit(id: string): ResubmitResult {
    const { inserts, queries, tx } = this.init
    return tx(() => {
      const old = queries.get(id)
      if (!old) return { ok: false, reason: 'not_found' }
      if (old.state !== 'failed' && old.state !== 'cancelled') {
        return { ok: false, reason: 'not_failed_or_cancelled' }
      }
      const spec: TaskSpec = {
        kind: old.kind,
        input: old.input,
        inputCid: old.inputCid ?? undefined,
        priority: old.priority,
        maxAttempts: old.maxAttempts,
        timeoutMs: old.timeoutMs,
        requires: old.requires,
        tags: old.tags,
        metadata: old.metadata,
        trust: old.trust,
        submitter: old.submitter ?? undefined,
      }
      return { ok: true, task: inserts.insert(spec, old.id) }
    })
  }

  /**
   * A task a member relay handed over, queued here with its origin in one transaction.
   * The same hand-off offered again (same owner, id and fence) returns the task
   * accepted the first time, with `created: false`.
   */
  acceptForwarded(spec: TaskSpec, origin: ForwardOrigin): { task: TaskRecord; created: boolean } {
    const { inserts, queries, forwarded, tx } = this.init
    return tx(() => {
      const existing = forwarded.byOrigin(origin)
      const task = existing === undefined ? undefined : queries.get(existing)
      if (task) return { task, created: false }
      const inserted = inserts.insert(spec, null)
      forwarded.insert(inserted.id, origin, this.init.now())
      return { task: inserted, created: true }
    })
  }
}
