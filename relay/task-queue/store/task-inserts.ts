import { randomUUID } from 'node:crypto'
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_PRIORITY,
  DEFAULT_TASK_TIMEOUT_MS,
} from '../../../shared/task/defaults.ts'
import type { TaskRecord, TaskSpec } from '../../../shared/task/types.ts'
import { ANY } from '../../../shared/trust/trust-policy.ts'
import type { LeaseGroups } from './lease-groups.ts'
import { rowToTask, TASK_COLUMNS, type TaskValues, taskStatement } from './task-row.ts'

/** A submitted task, and whether it is new (false: its idempotency key named an earlier one). */
export interface Submitted {
  task: TaskRecord
  created: boolean
}

/**
 * New rows of the task queue: a queued task from a spec (submission or resubmission),
 * with its lease group made known, and the lookup by idempotency key that decides
 * whether a spec is new. TaskStore runs both inside its transactions.
 */
export class TaskInserts {
  private readonly now: () => number
  private readonly groups: LeaseGroups
  private readonly stmts: Record<'insert' | 'byKey', StatementSync>

  constructor(db: DatabaseSync, now: () => number, groups: LeaseGroups) {
    this.now = now
    this.groups = groups
    this.stmts = {
      insert: db.prepare(`INSERT INTO tasks (id, kind, input, input_cid, priority, state, max_attempts,
        timeout_ms, idempotency_key, requires, tags, metadata, created_at, updated_at, not_before, previous_id,
        trust, submitter)
        VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      byKey: taskStatement(db, `SELECT ${TASK_COLUMNS} FROM tasks WHERE idempotency_key = ?`),
    }
  }

  /** The task submitted earlier with this idempotency key, if any (finished ones too). */
  byKey(key: string): TaskRecord | undefined {
    const row = this.stmts.byKey.get(key) as TaskValues | undefined
    return row === undefined ? undefined : rowToTask(row)
  }

  /** Inserts a queued task; the record is built from what was written (no read-back). */
  insert(spec: TaskSpec, previousId: string | null): TaskRecord {
    const now = this.now()
    const id = randomUUID()
    const requires = spec.requires ?? []
    const requiresText = JSON.stringify(requires)
    const record: TaskRecord = {
      id,
      seq: 0,
      kind: spec.kind,
      input: spec.input === undefined ? null : spec.input,
      inputCid: spec.inputCid ?? null,
      priority: spec.priority ?? DEFAULT_PRIORITY,
      state: 'queued',
      attempt: 0,
      maxAttempts: spec.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      timeoutMs: spec.timeoutMs ?? DEFAULT_TASK_TIMEOUT_MS,
      idempotencyKey: spec.idempotencyKey ?? null,
      requires: [...requires],
      tags: [...(spec.tags ?? [])],
      metadata: { ...(spec.metadata ?? {}) },
      createdAt: now,
      updatedAt: now,
      notBefore: now,
      startedAt: null,
      finishedAt: null,
      workerId: null,
      leaseToken: null,
      leaseExpiresAt: null,
      progress: null,
      output: undefined,
      outputCid: null,
      error: null,
      previousId,
      trust: spec.trust ?? ANY,
      votes: [],
      verification: null,
      submitter: spec.submitter ?? null,
    }
    const { lastInsertRowid } = this.stmts.insert.run(
      id,
      record.kind,
      spec.input === undefined ? null : JSON.stringify(spec.input),
      record.inputCid,
      record.priority,
      record.maxAttempts,
      record.timeoutMs,
      record.idempotencyKey,
      requiresText,
      JSON.stringify(record.tags),
      JSON.stringify(record.metadata),
      now,
      now,
      now,
      previousId,
      record.trust.level === 'any' ? null : JSON.stringify(record.trust),
      record.submitter,
    )
    record.seq = Number(lastInsertRowid)
    this.groups.add(spec.kind, requiresText)
    return record
  }
}
