import { randomUUID } from 'node:crypto'
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite'
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_PRIORITY,
  DEFAULT_TASK_TIMEOUT_MS,
} from '../../shared/queue/defaults.ts'
import { canRun } from '../../shared/queue/eligibility.ts'
import type { TaskError, TaskProgress, TaskRecord, TaskSpec, TaskState } from '../../shared/task/types.ts'
import { TASK_STATES } from '../../shared/task/types.ts'
import { rowToTask, type TaskRow } from './task-row.ts'
import { SCHEMA_VERSION, TASK_SCHEMA } from './task-schema.ts'
import { type Settle, type SettleResult, TaskTransitions } from './task-transitions.ts'

export type { Settle, SettleResult }

export interface LeaseRequest {
  workerId: string
  kinds: readonly string[]
  capabilities: readonly string[]
  limit: number
  leaseMs: number
}

export interface ListFilter {
  states?: TaskState[] | undefined
  kind?: string | undefined
  workerId?: string | undefined
  tag?: string | undefined
  limit: number
  offset: number
}

/** Queued candidates read per query while leasing (a few more than asked for, since tasks whose `requires` the worker lacks are skipped). */
const LEASE_PAGE_MIN = 16
const LEASE_PAGE_MAX = 256
const LEASE_MAX_PAGES = 8

/**
 * The durable task queue in an SQLite file (node:sqlite). WAL with synchronous=NORMAL:
 * a committed transaction survives a crash or `kill -9` of the relay (the WAL is in the
 * OS page cache); only a power loss can drop the last transactions. Every method that
 * changes state commits before it returns, so "acknowledged" means "on disk". State
 * transitions of leased tasks live in TaskTransitions; this class owns the database,
 * submission, leasing and queries.
 */
export class TaskStore {
  private readonly db: DatabaseSync
  private readonly now: () => number
  private readonly stmts: Record<
    'insert' | 'byKey' | 'byId' | 'candidates' | 'fence' | 'lease' | 'counts',
    StatementSync
  >
  readonly transitions: TaskTransitions

  constructor(path: string, now: () => number = Date.now) {
    this.now = now
    this.db = new DatabaseSync(path)
    // wal_autocheckpoint: checkpoints (which fsync in NORMAL mode) every ~16 MB of WAL, not every 4 MB.
    this.db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 4000;',
    )
    const version = (this.db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version
    if (version > SCHEMA_VERSION) {
      throw new Error(`${path}: task queue schema version ${version} is newer than this relay understands`)
    }
    this.db.exec(TASK_SCHEMA)
    this.db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`)
    this.stmts = {
      insert: this.db.prepare(`INSERT INTO tasks (id, kind, input, input_cid, priority, state, max_attempts,
        timeout_ms, idempotency_key, requires, tags, metadata, created_at, updated_at, not_before, previous_id)
        VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`),
      byKey: this.db.prepare('SELECT * FROM tasks WHERE idempotency_key = ?'),
      byId: this.db.prepare('SELECT * FROM tasks WHERE id = ?'),
      candidates:
        this.db.prepare(`SELECT seq, kind, requires FROM tasks INDEXED BY tasks_queued WHERE state = 'queued' AND not_before <= ?
        AND kind IN (SELECT value FROM json_each(?)) ORDER BY priority DESC, seq LIMIT ? OFFSET ?`),
      fence: this.db.prepare(`UPDATE queue_meta SET value = value + ? WHERE key = 'fence' RETURNING value`),
      lease: this.db.prepare(`UPDATE tasks SET state = 'leased', attempt = attempt + 1, worker_id = ?,
        lease_token = ?, leased_at = ?, lease_expires_at = ?, started_at = COALESCE(started_at, ?), updated_at = ?,
        progress = NULL WHERE seq = ? AND state = 'queued' RETURNING *`),
      counts: this.db.prepare('SELECT state, COUNT(*) AS n FROM tasks GROUP BY state'),
    }
    this.transitions = new TaskTransitions(this.db, now)
  }

  /** Adds tasks in one transaction; an existing idempotency key returns its task instead. */
  submit(specs: readonly TaskSpec[]): Array<{ task: TaskRecord; created: boolean }> {
    return this.tx(() =>
      specs.map((spec) => {
        if (!spec.kind) throw new Error('a task needs a kind')
        if (spec.idempotencyKey !== undefined) {
          const existing = this.stmts.byKey.get(spec.idempotencyKey) as TaskRow | undefined
          if (existing) return { task: rowToTask(existing), created: false }
        }
        const now = this.now()
        const row = this.stmts.insert.get(
          randomUUID(),
          spec.kind,
          spec.input === undefined ? null : JSON.stringify(spec.input),
          spec.inputCid ?? null,
          spec.priority ?? DEFAULT_PRIORITY,
          spec.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
          spec.timeoutMs ?? DEFAULT_TASK_TIMEOUT_MS,
          spec.idempotencyKey ?? null,
          JSON.stringify(spec.requires ?? []),
          JSON.stringify(spec.tags ?? []),
          JSON.stringify(spec.metadata ?? {}),
          now,
          now,
          now,
          null,
        ) as unknown as TaskRow
        return { task: rowToTask(row), created: true }
      }),
    )
  }

  /** A new queued task repeating a failed or cancelled one (an attempt chain). */
  resubmit(id: string): SettleResult {
    return this.tx(() => {
      const old = this.get(id)
      if (!old) return { ok: false, reason: 'not_found' }
      if (old.state !== 'failed' && old.state !== 'cancelled')
        return { ok: false, reason: 'not_failed_or_cancelled' }
      const now = this.now()
      const row = this.stmts.insert.get(
        randomUUID(),
        old.kind,
        old.input === undefined ? null : JSON.stringify(old.input),
        old.inputCid,
        old.priority,
        old.maxAttempts,
        old.timeoutMs,
        null,
        JSON.stringify(old.requires),
        JSON.stringify(old.tags),
        JSON.stringify(old.metadata),
        now,
        now,
        now,
        old.id,
      ) as unknown as TaskRow
      return { ok: true, task: rowToTask(row) }
    })
  }

  get(id: string): TaskRecord | undefined {
    const row = this.stmts.byId.get(id) as TaskRow | undefined
    return row ? rowToTask(row) : undefined
  }

  /**
   * Leases up to `limit` of the best queued tasks this worker can run, each with a new
   * fencing token (a counter kept in the database, so tokens never repeat, even across
   * restarts). One transaction.
   */
  leaseNext(request: LeaseRequest): TaskRecord[] {
    if (request.limit <= 0 || request.kinds.length === 0) return []
    const worker = { kinds: new Set(request.kinds), capabilities: new Set(request.capabilities) }
    const kinds = JSON.stringify(request.kinds)
    return this.tx(() => {
      const now = this.now()
      const chosen: number[] = []
      const pageSize = Math.min(LEASE_PAGE_MAX, Math.max(LEASE_PAGE_MIN, request.limit * 2))
      for (let page = 0; page < LEASE_MAX_PAGES && chosen.length < request.limit; page++) {
        const rows = this.stmts.candidates.all(now, kinds, pageSize, page * pageSize) as Array<{
          seq: number
          kind: string
          requires: string
        }>
        for (const row of rows) {
          const requires = row.requires === '[]' ? [] : (safeArray(row.requires) ?? ['\0unreadable'])
          if (canRun({ kind: row.kind, requires }, worker)) chosen.push(row.seq)
          if (chosen.length === request.limit) break
        }
        if (rows.length < pageSize) break
      }
      if (chosen.length === 0) return []
      const last = (this.stmts.fence.get(chosen.length) as { value: number }).value
      return chosen.map((seq, i) => {
        const token = last - chosen.length + 1 + i
        const row = this.stmts.lease.get(
          request.workerId,
          token,
          now,
          now + request.leaseMs,
          now,
          now,
          seq,
        ) as unknown as TaskRow
        return rowToTask(row)
      })
    })
  }

  /** Runs several settlements (results from one worker message) in one transaction. */
  settleMany(items: readonly Settle[]): SettleResult[] {
    return this.tx(() => items.map((item) => this.transitions.settle(item)))
  }

  /** One group commit: tasks that started running, then settlements. */
  applyRound(
    started: ReadonlyArray<{ id: string; token: number }>,
    settles: readonly Settle[],
  ): SettleResult[] {
    return this.tx(() => {
      for (const { id, token } of started) this.transitions.markRunning(id, token)
      return settles.map((item) => this.transitions.settle(item))
    })
  }

  markRunning(id: string, token: number): boolean {
    return this.transitions.markRunning(id, token)
  }

  progress(id: string, token: number, progress: TaskProgress): boolean {
    return this.transitions.progress(id, token, progress)
  }

  complete(id: string, token: number, result: { output?: unknown; outputCid?: string }): SettleResult {
    return this.transitions.settle({ id, token, ok: true, ...result })
  }

  fail(
    id: string,
    token: number,
    error: TaskError,
    retry: { retryable: boolean; retryDelayMs: number },
  ): SettleResult {
    return this.transitions.settle({ id, token, ok: false, error, ...retry })
  }

  renewLeases(workerId: string, leaseMs: number): number {
    return this.transitions.renewLeases(workerId, leaseMs)
  }

  releaseWorker(workerId: string, reason: TaskError): TaskRecord[] {
    return this.tx(() => this.transitions.releaseWorker(workerId, reason))
  }

  /** At start-up no worker is connected: every leased task goes back to the queue. */
  releaseAll(reason: TaskError): TaskRecord[] {
    return this.tx(() => this.transitions.releaseWhere('1 = 1', [], reason))
  }

  expireLeases(): TaskRecord[] {
    return this.tx(() =>
      this.transitions.releaseWhere('lease_expires_at < ?', [this.now()], {
        code: 'LEASE_EXPIRED',
        message: 'the worker stopped renewing its lease',
      }),
    )
  }

  timedOut(): TaskRecord[] {
    return this.transitions.timedOut()
  }

  cancel(id: string, reason = 'cancelled') {
    return this.tx(() => this.transitions.cancel(id, reason))
  }

  setPriority(id: string, priority: number): SettleResult {
    return this.transitions.patchQueued(id, 'priority = ?', [priority])
  }

  update(
    id: string,
    patch: {
      tags?: string[] | undefined
      metadata?: Record<string, unknown> | undefined
      timeoutMs?: number | undefined
      maxAttempts?: number | undefined
    },
  ): SettleResult {
    const sets: string[] = []
    const values: SQLInputValue[] = []
    if (patch.tags !== undefined) sets.push('tags = ?') && values.push(JSON.stringify(patch.tags))
    if (patch.metadata !== undefined) sets.push('metadata = ?') && values.push(JSON.stringify(patch.metadata))
    if (patch.timeoutMs !== undefined) sets.push('timeout_ms = ?') && values.push(patch.timeoutMs)
    if (patch.maxAttempts !== undefined) sets.push('max_attempts = ?') && values.push(patch.maxAttempts)
    if (sets.length === 0) {
      const task = this.get(id)
      return task ? { ok: true, task } : { ok: false, reason: 'not_found' }
    }
    return this.transitions.patchQueued(id, sets.join(', '), values)
  }

  list(filter: ListFilter): { tasks: TaskRecord[]; total: number } {
    const where: string[] = []
    const values: SQLInputValue[] = []
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ')})`)
      values.push(...filter.states)
    }
    if (filter.kind !== undefined) where.push('kind = ?') && values.push(filter.kind)
    if (filter.workerId !== undefined) where.push('worker_id = ?') && values.push(filter.workerId)
    if (filter.tag !== undefined) {
      where.push('EXISTS (SELECT 1 FROM json_each(tasks.tags) WHERE value = ?)')
      values.push(filter.tag)
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
    const total = (
      this.db.prepare(`SELECT COUNT(*) AS n FROM tasks ${clause}`).get(...values) as { n: number }
    ).n
    const rows = this.db
      .prepare(`SELECT * FROM tasks ${clause} ORDER BY seq DESC LIMIT ? OFFSET ?`)
      .all(...values, filter.limit, filter.offset) as unknown as TaskRow[]
    return { tasks: rows.map(rowToTask), total }
  }

  countsByState(): Record<TaskState, number> {
    const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>
    for (const row of this.stmts.counts.all() as Array<{ state: TaskState; n: number }>)
      counts[row.state] = row.n
    return counts
  }

  close(): void {
    this.db.close()
  }

  /** Runs `fn` in one IMMEDIATE transaction (nested calls join the outer one). */
  private tx<T>(fn: () => T): T {
    if (this.db.isTransaction) return fn()
    this.db.exec('BEGIN IMMEDIATE')
    try {
      const result = fn()
      this.db.exec('COMMIT')
      return result
    } catch (err) {
      this.db.exec('ROLLBACK')
      throw err
    }
  }
}

function safeArray(text: string): string[] | undefined {
  try {
    const value = JSON.parse(text)
    return Array.isArray(value) ? value.map(String) : undefined
  } catch {
    return undefined
  }
}
