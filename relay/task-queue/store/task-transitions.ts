import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite'
import { START_SLACK_FRACTION, START_SLACK_MIN_MS } from '../../../shared/task/start-notice.ts'
import type { TaskError, TaskProgress, TaskRecord } from '../../../shared/task/types.ts'
import { type Tally, tallyVotes, type Verification, type Vote } from '../../../shared/trust/trust-policy.ts'
import { rowToTask, TASK_COLUMNS, type TaskValues, taskStatement } from './task-row.ts'

/**
 * A worker's result for one attempt, named by the lease token it holds. A success
 * carries how it was checked: `unverifiedPeer` for a result nobody checked (stored as
 * that worker alone, so it can be re-run if the worker is caught lying), or a
 * `verification` record for one that was.
 */
export type Settle =
  | {
      id: string
      token: number
      ok: true
      output?: unknown
      outputCid?: string | undefined
      unverifiedPeer?: string | undefined
      verification?: Verification | undefined
    }
  | {
      id: string
      token: number
      ok: false
      error: TaskError
      retryable: boolean
      retryDelayMs: number
      verification?: Verification | undefined
    }

/** One quorum answer: the worker's outcome and its vote; k answers that agree settle the task. */
export interface VoteItem {
  vote: Vote
  k: number
  /** What settles the task if this vote completes the quorum. */
  outcome: Settle
}

export type VoteResult = { ok: true; task: TaskRecord; tally: Tally } | { ok: false; reason: SettleRefusal }

/**
 * `stale_token`: the task is live but under another lease, or waiting for its next
 * one (the lease was revoked or expired). `not_active`: the task already finished
 * (succeeded, failed, cancelled). Either way nothing changed.
 */
export type SettleRefusal = 'stale_token' | 'not_found' | 'not_active'
export type SettleResult = { ok: true; task: TaskRecord } | { ok: false; reason: SettleRefusal }
export type PatchResult = { ok: true; task: TaskRecord } | { ok: false; reason: 'not_found' | 'not_queued' }
export interface TaskPatch {
  tags?: string[] | undefined
  metadata?: Record<string, unknown> | undefined
  timeoutMs?: number | undefined
  maxAttempts?: number | undefined
}
export type CancelResult =
  | { ok: true; task: TaskRecord; wasActive: boolean; workerId: string | null }
  | { ok: false; reason: 'not_found' | 'already_finished' }

const ACTIVE = `state IN ('leased', 'running')`
const CLEAR_LEASE = 'worker_id = NULL, lease_token = NULL, lease_expires_at = NULL, leased_at = NULL'
const FINISHED: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled'])

/**
 * Transitions of tasks that hold or held a lease. Every write to an active task is
 * fenced: it names the lease token it believes in, and a token that is no longer the
 * task's (lease revoked, expired, task cancelled or re-leased) changes nothing.
 * Methods here do not open transactions; TaskStore wraps them.
 */
export class TaskTransitions {
  private readonly db: DatabaseSync
  private readonly now: () => number
  private readonly stmts: Record<
    | 'state'
    | 'succeed'
    | 'retry'
    | 'fail'
    | 'running'
    | 'progress'
    | 'renew'
    | 'timedOut'
    | 'cancel'
    | 'votes'
    | 'revote'
    | 'discard',
    StatementSync
  >

  constructor(db: DatabaseSync, now: () => number) {
    this.db = db
    this.now = now
    this.stmts = {
      state: db.prepare('SELECT state FROM tasks WHERE id = ?'),
      succeed: taskStatement(
        db,
        `UPDATE tasks SET state = 'succeeded', output = ?, output_cid = ?, error = NULL,
        finished_at = ?, updated_at = ?, unverified_peer = ?, verification = ?, ${CLEAR_LEASE}
        WHERE id = ? AND lease_token = ? AND ${ACTIVE} RETURNING ${TASK_COLUMNS}`,
      ),
      retry: taskStatement(
        db,
        `UPDATE tasks SET state = 'queued', error = ?, not_before = ?, updated_at = ?, ${CLEAR_LEASE}
        WHERE id = ? AND lease_token = ? AND ${ACTIVE} AND attempt < max_attempts RETURNING ${TASK_COLUMNS}`,
      ),
      fail: taskStatement(
        db,
        `UPDATE tasks SET state = 'failed', error = ?, finished_at = ?, updated_at = ?,
        verification = ?, ${CLEAR_LEASE} WHERE id = ? AND lease_token = ? AND ${ACTIVE} RETURNING ${TASK_COLUMNS}`,
      ),
      votes: db.prepare(`SELECT votes FROM tasks WHERE id = ? AND lease_token = ? AND ${ACTIVE}`),
      // One more answer is needed: back to the queue at once, and the lease this
      // answer used does not count as an attempt (attempts count failures to answer).
      revote: taskStatement(
        db,
        `UPDATE tasks SET state = 'queued', votes = ?, attempt = attempt - 1, not_before = ?, updated_at = ?,
        ${CLEAR_LEASE} WHERE id = ? AND lease_token = ? AND ${ACTIVE} RETURNING ${TASK_COLUMNS}`,
      ),
      discard: taskStatement(
        db,
        `UPDATE tasks SET state = 'queued', output = NULL, output_cid = NULL, unverified_peer = NULL,
        verification = NULL, votes = NULL, attempt = 0, finished_at = NULL, error = ?, not_before = ?, updated_at = ?
        WHERE seq IN (SELECT seq FROM tasks INDEXED BY tasks_unverified WHERE unverified_peer = ? AND finished_at >= ?
        LIMIT ?) AND state = 'succeeded' RETURNING ${TASK_COLUMNS}`,
      ),
      // The attempt's time limit runs from here (a worker may buffer tasks before running them).
      running: db.prepare(`UPDATE tasks SET state = 'running', leased_at = ?, updated_at = ? WHERE id = ?
        AND lease_token = ? AND state = 'leased'`),
      progress: db.prepare(`UPDATE tasks SET progress = ?, updated_at = ? WHERE id = ? AND lease_token = ?
        AND ${ACTIVE}`),
      // INDEXED BY: tasks_worker (schema v8) would walk every task the worker ever ran.
      renew: db.prepare(
        `UPDATE tasks INDEXED BY tasks_active SET lease_expires_at = ? WHERE worker_id = ? AND ${ACTIVE}`,
      ),
      // A task not yet reported started gets the start slack (shared/task/start-notice.ts).
      timedOut: taskStatement(
        db,
        `SELECT ${TASK_COLUMNS} FROM tasks WHERE ${ACTIVE} AND ? - leased_at > timeout_ms
        + CASE WHEN state = 'leased' THEN MAX(${START_SLACK_MIN_MS}, CAST(timeout_ms * ${START_SLACK_FRACTION} AS INTEGER)) ELSE 0 END
        ORDER BY seq`,
      ),
      cancel: taskStatement(
        db,
        `UPDATE tasks SET state = 'cancelled', error = ?, finished_at = ?, updated_at = ?,
        ${CLEAR_LEASE} WHERE id = ? AND state IN ('queued', 'leased', 'running') RETURNING ${TASK_COLUMNS}`,
      ),
    }
  }

  settle(item: Settle): SettleResult {
    const now = this.now()
    let row: TaskValues | undefined
    if (item.ok) {
      const output = item.output === undefined ? null : JSON.stringify(item.output)
      const verification = item.verification === undefined ? null : JSON.stringify(item.verification)
      row = this.stmts.succeed.get(
        output,
        item.outputCid ?? null,
        now,
        now,
        item.unverifiedPeer ?? null,
        verification,
        item.id,
        item.token,
      ) as TaskValues | undefined
    } else {
      const error = JSON.stringify(item.error)
      if (item.retryable) {
        row = this.stmts.retry.get(error, now + item.retryDelayMs, now, item.id, item.token) as
          | TaskValues
          | undefined
      }
      const verification = item.verification === undefined ? null : JSON.stringify(item.verification)
      row ??= this.stmts.fail.get(error, now, now, verification, item.id, item.token) as
        | TaskValues
        | undefined
    }
    if (row) return { ok: true, task: rowToTask(row) }
    return this.refusal(item.id)
  }

  /**
   * Adds a quorum answer. When it completes the quorum, the task settles with its
   * outcome and who agreed; when no answer can reach k any more, it fails NO_QUORUM;
   * otherwise it goes back to the queue for another peer (one that has not answered).
   */
  vote(item: VoteItem): VoteResult {
    const { id, token } = item.outcome
    const current = this.stmts.votes.get(id, token) as { votes: string | null } | undefined
    if (!current) return this.refusal(id)
    const votes = [...parseVotes(current.votes), item.vote]
    const tally = tallyVotes(votes, item.k)
    if (tally.decision === 'more') {
      const row = this.stmts.revote.get(
        JSON.stringify(votes),
        this.now(),
        this.now(),
        id,
        token,
      ) as unknown as TaskValues
      return { ok: true, task: rowToTask(row), tally }
    }
    if (tally.decision === 'no_quorum') {
      const settled = this.settle({
        id,
        token,
        ok: false,
        error: { code: 'NO_QUORUM', message: tally.message },
        retryable: false,
        retryDelayMs: 0,
        verification: { trust: 'quorum', verified: false, workers: [], dissent: votes.map((v) => v.peer) },
      })
      return settled.ok ? { ok: true, task: settled.task, tally } : settled
    }
    const verification: Verification = {
      trust: 'quorum',
      verified: true,
      workers: tally.agreed,
      ...(tally.dissent.length > 0 ? { dissent: tally.dissent } : {}),
    }
    const outcome: Settle = item.outcome.ok
      ? { ...item.outcome, unverifiedPeer: undefined, verification }
      : { ...item.outcome, retryable: false, verification }
    const settled = this.settle(outcome)
    return settled.ok ? { ok: true, task: settled.task, tally } : settled
  }

  discardUnverified(peerId: string, since: number, limit: number): TaskRecord[] {
    const now = this.now()
    const error = JSON.stringify({
      code: 'RESULT_DISCARDED',
      message:
        'the worker that gave the previous result was caught giving a wrong answer; it is computed again',
    })
    return (this.stmts.discard.all(error, now, now, peerId, since, limit) as unknown as TaskValues[]).map(
      rowToTask,
    )
  }

  private refusal(id: string): { ok: false; reason: SettleRefusal } {
    const current = this.stmts.state.get(id) as { state: string } | undefined
    if (!current) return { ok: false, reason: 'not_found' }
    return { ok: false, reason: FINISHED.has(current.state) ? 'not_active' : 'stale_token' }
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

  /**
   * Puts active tasks matching `condition` back in the queue at once (not_before = now:
   * their place in line is kept), or fails those out of attempts with `reason`. With
   * `countAttempt: false` (the relay's own stop) every one goes back and its attempt is
   * given back. Returns the affected tasks, ordered by seq. `index` names the index for a
   * condition that the planner could otherwise serve from a history index (schema v8).
   */
  releaseWhere(
    condition: string,
    values: SQLInputValue[],
    reason: TaskError,
    { countAttempt = true, index }: { countAttempt?: boolean; index?: 'tasks_active' } = {},
  ): TaskRecord[] {
    const now = this.now()
    const tasks = index === undefined ? 'tasks' : `tasks INDEXED BY ${index}`
    const error = JSON.stringify(reason)
    const requeued = taskStatement(
      this.db,
      `UPDATE ${tasks} SET state = 'queued', error = ?, not_before = ?, updated_at = ?, ${CLEAR_LEASE}
        ${countAttempt ? '' : ', attempt = MAX(attempt - 1, 0)'}
        WHERE ${ACTIVE} AND (${condition}) ${countAttempt ? 'AND attempt < max_attempts' : ''} RETURNING ${TASK_COLUMNS}`,
    ).all(error, now, now, ...values) as unknown as TaskValues[]
    const failed = taskStatement(
      this.db,
      `UPDATE ${tasks} SET state = 'failed', error = ?, finished_at = ?, updated_at = ?, ${CLEAR_LEASE}
        WHERE ${ACTIVE} AND (${condition}) RETURNING ${TASK_COLUMNS}`,
    ).all(error, now, now, ...values) as unknown as TaskValues[]
    return [...requeued, ...failed].sort((a, b) => a[0] - b[0]).map(rowToTask)
  }

  /** Active tasks whose current attempt has run longer than their timeout. */
  timedOut(): TaskRecord[] {
    return (this.stmts.timedOut.all(this.now()) as unknown as TaskValues[]).map(rowToTask)
  }

  cancel(id: string, reason: string): CancelResult {
    const before = this.db.prepare('SELECT state, worker_id FROM tasks WHERE id = ?').get(id) as
      | { state: string; worker_id: string | null }
      | undefined
    if (!before) return { ok: false, reason: 'not_found' }
    const now = this.now()
    const error: TaskError = { code: 'CANCELLED', message: reason }
    const row = this.stmts.cancel.get(JSON.stringify(error), now, now, id) as TaskValues | undefined
    if (!row) return { ok: false, reason: 'already_finished' }
    const wasActive = before.state === 'leased' || before.state === 'running'
    return { ok: true, task: rowToTask(row), wasActive, workerId: wasActive ? before.worker_id : null }
  }

  /** Changes fields of a task that is still queued. */
  patchFields(id: string, patch: TaskPatch): PatchResult {
    const sets: string[] = []
    const values: SQLInputValue[] = []
    if (patch.tags !== undefined) sets.push('tags = ?') && values.push(JSON.stringify(patch.tags))
    if (patch.metadata !== undefined) sets.push('metadata = ?') && values.push(JSON.stringify(patch.metadata))
    if (patch.timeoutMs !== undefined) sets.push('timeout_ms = ?') && values.push(patch.timeoutMs)
    if (patch.maxAttempts !== undefined) sets.push('max_attempts = ?') && values.push(patch.maxAttempts)
    // An empty patch still answers whether the task may be changed.
    if (sets.length === 0) sets.push('priority = priority')
    return this.patchQueued(id, sets.join(', '), values)
  }

  /** Changes columns of a task that is still queued. */
  patchQueued(id: string, assignments: string, values: SQLInputValue[]): PatchResult {
    const row = taskStatement(
      this.db,
      `UPDATE tasks SET ${assignments}, updated_at = ? WHERE id = ? AND state = 'queued' RETURNING ${TASK_COLUMNS}`,
    ).get(...values, this.now(), id) as TaskValues | undefined
    if (row) return { ok: true, task: rowToTask(row) }
    return this.stmts.state.get(id) ? { ok: false, reason: 'not_queued' } : { ok: false, reason: 'not_found' }
  }
}

function parseVotes(text: string | null): Vote[] {
  if (text === null) return []
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) ? (value as Vote[]) : []
  } catch {
    return []
  }
}
