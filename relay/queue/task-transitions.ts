import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite'
import type { TaskError, TaskProgress, TaskRecord } from '../../shared/task/types.ts'
import { rowToTask, type TaskRow } from './task-row.ts'

export type Settle =
  | { id: string; token: number; ok: true; output?: unknown; outputCid?: string }
  | { id: string; token: number; ok: false; error: TaskError; retryable: boolean; retryDelayMs: number }

export type SettleResult = { ok: true; task: TaskRecord } | { ok: false; reason: string }

const ACTIVE = `state IN ('leased', 'running')`
const CLEAR_LEASE = 'worker_id = NULL, lease_token = NULL, lease_expires_at = NULL, leased_at = NULL'

/**
 * Transitions of tasks that hold or held a lease. Every write to an active task is
 * fenced: it names the lease token it believes in, and a token that is no longer the
 * task's (lease revoked, expired, task cancelled or re-leased) changes nothing.
 */
export class TaskTransitions {
  private readonly db: DatabaseSync
  private readonly now: () => number
  private readonly stmts: Record<
    'byId' | 'succeed' | 'retry' | 'fail' | 'running' | 'progress' | 'renew' | 'timedOut' | 'cancel',
    StatementSync
  >

  constructor(db: DatabaseSync, now: () => number) {
    this.db = db
    this.now = now
    this.stmts = {
      byId: db.prepare('SELECT * FROM tasks WHERE id = ?'),
      succeed: db.prepare(`UPDATE tasks SET state = 'succeeded', output = ?, output_cid = ?, error = NULL,
        finished_at = ?, updated_at = ?, ${CLEAR_LEASE} WHERE id = ? AND lease_token = ? AND ${ACTIVE} RETURNING *`),
      retry:
        db.prepare(`UPDATE tasks SET state = 'queued', error = ?, not_before = ?, updated_at = ?, ${CLEAR_LEASE}
        WHERE id = ? AND lease_token = ? AND ${ACTIVE} AND attempt < max_attempts RETURNING *`),
      fail: db.prepare(`UPDATE tasks SET state = 'failed', error = ?, finished_at = ?, updated_at = ?, ${CLEAR_LEASE}
        WHERE id = ? AND lease_token = ? AND ${ACTIVE} RETURNING *`),
      // The attempt's time limit runs from here (a worker may buffer tasks before running them).
      running: db.prepare(`UPDATE tasks SET state = 'running', leased_at = ?, updated_at = ? WHERE id = ?
        AND lease_token = ? AND state = 'leased'`),
      progress: db.prepare(`UPDATE tasks SET progress = ?, updated_at = ? WHERE id = ? AND lease_token = ?
        AND ${ACTIVE}`),
      renew: db.prepare(`UPDATE tasks SET lease_expires_at = ? WHERE worker_id = ? AND ${ACTIVE}`),
      timedOut: db.prepare(`SELECT * FROM tasks WHERE ${ACTIVE} AND leased_at + timeout_ms < ?`),
      cancel: db.prepare(`UPDATE tasks SET state = 'cancelled', error = ?, finished_at = ?, updated_at = ?,
        ${CLEAR_LEASE} WHERE id = ? AND state IN ('queued', 'leased', 'running') RETURNING *`),
    }
  }

  settle(item: Settle): SettleResult {
    const now = this.now()
    let row: TaskRow | undefined
    if (item.ok) {
      const output = item.output === undefined ? null : JSON.stringify(item.output)
      row = this.stmts.succeed.get(output, item.outputCid ?? null, now, now, item.id, item.token) as
        | TaskRow
        | undefined
    } else {
      const error = JSON.stringify(item.error)
      if (item.retryable) {
        row = this.stmts.retry.get(error, now + item.retryDelayMs, now, item.id, item.token) as
          | TaskRow
          | undefined
      }
      row ??= this.stmts.fail.get(error, now, now, item.id, item.token) as TaskRow | undefined
    }
    return row ? { ok: true, task: rowToTask(row) } : this.refusal(item.id)
  }

  markRunning(id: string, token: number): boolean {
    const now = this.now()
    return Number(this.stmts.running.run(now, now, id, token).changes) === 1
  }

  progress(id: string, token: number, progress: TaskProgress): boolean {
    return Number(this.stmts.progress.run(JSON.stringify(progress), this.now(), id, token).changes) === 1
  }

  renewLeases(workerId: string, leaseMs: number): number {
    return Number(this.stmts.renew.run(this.now() + leaseMs, workerId).changes)
  }

  releaseWorker(workerId: string, reason: TaskError): TaskRecord[] {
    return this.releaseWhere('worker_id = ?', [workerId], reason)
  }

  /**
   * Puts active tasks matching `condition` back in the queue at once (not before
   * other work: their place in line is kept), or fails those out of attempts.
   */
  releaseWhere(condition: string, values: SQLInputValue[], reason: TaskError): TaskRecord[] {
    const now = this.now()
    const error = JSON.stringify(reason)
    const requeued = this.db
      .prepare(`UPDATE tasks SET state = 'queued', error = ?, not_before = ?, updated_at = ?, ${CLEAR_LEASE}
        WHERE ${ACTIVE} AND (${condition}) AND attempt < max_attempts RETURNING *`)
      .all(error, now, now, ...values) as unknown as TaskRow[]
    const failed = this.db
      .prepare(`UPDATE tasks SET state = 'failed', error = ?, finished_at = ?, updated_at = ?, ${CLEAR_LEASE}
        WHERE ${ACTIVE} AND (${condition}) RETURNING *`)
      .all(error, now, now, ...values) as unknown as TaskRow[]
    return [...requeued, ...failed].map(rowToTask)
  }

  /** Active tasks whose current attempt has run longer than their timeout. */
  timedOut(): TaskRecord[] {
    return (this.stmts.timedOut.all(this.now()) as unknown as TaskRow[]).map(rowToTask)
  }

  cancel(
    id: string,
    reason: string,
  ):
    | { ok: true; task: TaskRecord; wasActive: boolean; workerId: string | null }
    | { ok: false; reason: 'not_found' | 'already_finished' } {
    const before = this.stmts.byId.get(id) as TaskRow | undefined
    if (!before) return { ok: false, reason: 'not_found' }
    const now = this.now()
    const error = JSON.stringify({ code: 'CANCELLED', message: reason })
    const row = this.stmts.cancel.get(error, now, now, id) as TaskRow | undefined
    if (!row) return { ok: false, reason: 'already_finished' }
    const wasActive = before.state === 'leased' || before.state === 'running'
    return { ok: true, task: rowToTask(row), wasActive, workerId: wasActive ? before.worker_id : null }
  }

  /** Changes columns of a task that is still queued. */
  patchQueued(id: string, assignments: string, values: SQLInputValue[]): SettleResult {
    const row = this.db
      .prepare(
        `UPDATE tasks SET ${assignments}, updated_at = ? WHERE id = ? AND state = 'queued' RETURNING *`,
      )
      .get(...values, this.now(), id) as TaskRow | undefined
    return row ? { ok: true, task: rowToTask(row) } : this.refusal(id, 'not_queued')
  }

  private refusal(id: string, ifExists = 'stale_token'): SettleResult {
    return this.stmts.byId.get(id) ? { ok: false, reason: ifExists } : { ok: false, reason: 'not_found' }
  }
}
