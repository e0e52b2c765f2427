import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { TaskRecord } from '../../../shared/task/types.ts'
import { rowToTask, TASK_COLUMNS, type TaskValues, taskStatement } from './task-row.ts'

/** Where a task handed over by a member relay came from (issue 11, forwarding). */
export interface ForwardOrigin {
  /** The owner relay's PeerId. */
  relay: string
  /** The task's id in the owner's queue. */
  remoteId: string
  /** The owner's fencing token for this hand-off. */
  fence: number
  /** The owner takes the task back when this long passes without a renew. */
  leaseMs: number
}

export interface ForwardedRecord {
  task: TaskRecord
  origin: ForwardOrigin
  /** When the owner last confirmed the lease (this relay's clock). */
  renewedAt: number
}

const TERMINAL = `('succeeded', 'failed', 'cancelled')`
const TASK_COLUMNS_T = TASK_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1t.$2')
const ORIGIN_COLUMNS = 'f.relay, f.remote_id, f.fence, f.lease_ms, f.renewed_at'

/**
 * The `forwarded_in` table: tasks this relay runs for a member relay that owns them.
 * A row is written with its task in one transaction, and stays open until the
 * result reached the owner (the durable outbox) or the owner's lease ran out.
 * TaskStore wraps these in its transactions.
 */
export class ForwardedTasks {
  private readonly stmts: Record<
    'byOrigin' | 'insert' | 'outbox' | 'open' | 'renewed' | 'close' | 'origin',
    StatementSync
  >

  constructor(db: DatabaseSync) {
    // CROSS JOIN keeps forwarded_in outside: its open rows are few (forwarded_in_open),
    // while without statistics SQLite would scan every finished task (tasks_state) first.
    const joined = `SELECT ${TASK_COLUMNS_T}, ${ORIGIN_COLUMNS} FROM forwarded_in f CROSS JOIN tasks t ON t.id = f.task_id`
    this.stmts = {
      byOrigin: db.prepare(
        'SELECT task_id FROM forwarded_in WHERE relay = ? AND remote_id = ? AND fence = ?',
      ),
      insert: db.prepare(`INSERT INTO forwarded_in (task_id, relay, remote_id, fence, lease_ms, renewed_at)
        VALUES (?, ?, ?, ?, ?, ?)`),
      outbox: taskStatement(
        db,
        `${joined} WHERE f.delivered_at IS NULL AND t.state IN ${TERMINAL} ORDER BY t.finished_at LIMIT ?`,
      ),
      open: taskStatement(
        db,
        `${joined} WHERE f.delivered_at IS NULL AND t.state NOT IN ${TERMINAL} ORDER BY t.seq`,
      ),
      renewed: db.prepare(
        'UPDATE forwarded_in SET renewed_at = ? WHERE task_id = ? AND delivered_at IS NULL',
      ),
      close: db.prepare(
        'UPDATE forwarded_in SET delivered_at = ? WHERE task_id = ? AND delivered_at IS NULL',
      ),
      origin: db.prepare('SELECT relay, remote_id, fence, lease_ms FROM forwarded_in WHERE task_id = ?'),
    }
  }

  /** The task accepted earlier for exactly this hand-off, if any. */
  byOrigin(origin: Omit<ForwardOrigin, 'leaseMs'>): string | undefined {
    const row = this.stmts.byOrigin.get(origin.relay, origin.remoteId, origin.fence) as
      | { task_id: string }
      | undefined
    return row?.task_id
  }

  insert(taskId: string, origin: ForwardOrigin, now: number): void {
    this.stmts.insert.run(taskId, origin.relay, origin.remoteId, origin.fence, origin.leaseMs, now)
  }

  originOf(taskId: string): ForwardOrigin | undefined {
    const row = this.stmts.origin.get(taskId) as
      | { relay: string; remote_id: string; fence: number; lease_ms: number }
      | undefined
    return row && { relay: row.relay, remoteId: row.remote_id, fence: row.fence, leaseMs: row.lease_ms }
  }

  /** Finished tasks whose result has not reached their owner yet, oldest first. */
  outbox(limit: number): ForwardedRecord[] {
    return this.rows(this.stmts.outbox.all(limit))
  }

  /** Unfinished tasks held for an owner (their leases are renewed with it). */
  open(): ForwardedRecord[] {
    return this.rows(this.stmts.open.all())
  }

  renewed(taskId: string, now: number): void {
    this.stmts.renewed.run(now, taskId)
  }

  /** Delivered, or given up because the owner took the task back: nothing more to send. */
  close(taskId: string, now: number): boolean {
    return Number(this.stmts.close.run(now, taskId).changes) === 1
  }

  private rows(rows: unknown[]): ForwardedRecord[] {
    return (rows as unknown as unknown[][]).map((values) => {
      const n = values.length
      const [relay, remoteId, fence, leaseMs, renewedAt] = values.slice(n - 5) as [
        string,
        string,
        number,
        number,
        number,
      ]
      return {
        task: rowToTask(values.slice(0, n - 5) as TaskValues),
        origin: { relay, remoteId, fence, leaseMs },
        renewedAt,
      }
    })
  }
}
