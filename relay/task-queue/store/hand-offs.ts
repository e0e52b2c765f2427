import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { TaskError, TaskRecord } from '../../../shared/task/types.ts'
import { rowToTask, TASK_COLUMNS, type TaskValues, taskStatement } from './task-row.ts'

/** The pseudo-worker that holds a task while a member relay runs it (issue 11). */
export const RELAY_WORKER_PREFIX = 'relay:'

export function relayWorkerId(peerId: string): string {
  return `${RELAY_WORKER_PREFIX}${peerId}`
}

/** The member relay behind a pseudo-worker id, or undefined for a real worker. */
export function relayOfWorker(workerId: string | null): string | undefined {
  return workerId?.startsWith(RELAY_WORKER_PREFIX) ? workerId.slice(RELAY_WORKER_PREFIX.length) : undefined
}

const ACTIVE = `state IN ('leased', 'running')`

/**
 * The owner's side of a hand-off, as lease transitions: a task handed to member relay
 * A is leased to the pseudo-worker `relay:<A>` with a fresh fencing token, exactly as
 * a worker's lease, so expiry, cancellation and stale results take the same paths.
 * Only what a worker lease does not need lives here: leasing one named task, renewing
 * one lease by its token, and giving a lease back when the offer was refused.
 * TaskStore runs these inside its transactions.
 */
export class HandOffs {
  private readonly now: () => number
  private readonly stmts: Record<
    'fence' | 'lease' | 'renew' | 'resume' | 'giveBack' | 'forwardable' | 'forwardableWithin',
    StatementSync
  >

  constructor(db: DatabaseSync, now: () => number) {
    this.now = now
    this.stmts = {
      // Through the queued-task index (kind first), named: tasks_kind_priority (schema v8)
      // would walk the kind's finished tasks too. Tasks a member handed here are never passed on.
      forwardable:
        db.prepare(`SELECT id FROM tasks INDEXED BY tasks_lease WHERE state = 'queued' AND kind = ? AND not_before <= ?
        AND NOT EXISTS (SELECT 1 FROM forwarded_in f WHERE f.task_id = tasks.id)
        AND requires = '[]'
        ORDER BY priority DESC, seq LIMIT ?`),
      // Tasks with requirements, all of them among the capabilities given (a JSON array).
      forwardableWithin:
        db.prepare(`SELECT id FROM tasks INDEXED BY tasks_lease WHERE state = 'queued' AND kind = ? AND not_before <= ?
        AND NOT EXISTS (SELECT 1 FROM forwarded_in f WHERE f.task_id = tasks.id)
        AND requires <> '[]'
        AND NOT EXISTS (SELECT 1 FROM json_each(tasks.requires) r
          WHERE r.value NOT IN (SELECT value FROM json_each(?)))
        ORDER BY priority DESC, seq LIMIT ?`),
      fence: db.prepare(`UPDATE queue_meta SET value = value + 1 WHERE key = 'fence' RETURNING value`),
      lease: taskStatement(
        db,
        `UPDATE tasks SET state = 'leased', attempt = attempt + 1, worker_id = ?, lease_token = ?,
        leased_at = ?, lease_expires_at = ?, started_at = COALESCE(started_at, ?), updated_at = ?, progress = NULL
        WHERE id = ? AND state = 'queued' AND not_before <= ? RETURNING ${TASK_COLUMNS}`,
      ),
      renew: db.prepare(
        `UPDATE tasks SET lease_expires_at = ? WHERE id = ? AND worker_id = ? AND lease_token = ? AND ${ACTIVE}`,
      ),
      resume: db.prepare(
        `UPDATE tasks SET lease_expires_at = MAX(lease_expires_at, ?)
        WHERE worker_id LIKE '${RELAY_WORKER_PREFIX}%' AND ${ACTIVE}`,
      ),
      // The offer never reached a runner: the attempt is given back, the place in line kept.
      giveBack: taskStatement(
        db,
        `UPDATE tasks SET state = 'queued', attempt = MAX(attempt - 1, 0), error = ?, updated_at = ?,
        worker_id = NULL, lease_token = NULL, lease_expires_at = NULL, leased_at = NULL
        WHERE id = ? AND lease_token = ? AND ${ACTIVE} RETURNING ${TASK_COLUMNS}`,
      ),
    }
  }

  /** Leases the queued task `id` to `workerId` with the next fencing token; undefined if it is not queued and ready. */
  leaseTo(id: string, workerId: string, leaseMs: number): TaskRecord | undefined {
    const now = this.now()
    const token = (this.stmts.fence.get() as { value: number }).value
    const row = this.stmts.lease.get(workerId, token, now, now + leaseMs, now, now, id, now) as
      | TaskValues
      | undefined
    return row === undefined ? undefined : rowToTask(row)
  }

  /**
   * Up to `limit` ready queued tasks of `kind` that may be offered to a member, best
   * first: those that require no capability, or, given a member's capability set, those
   * that require some and nothing outside it (inputs inline or as blocks alike).
   */
  forwardable(kind: string, limit: number, capabilities: readonly string[] = []): string[] {
    const rows =
      capabilities.length === 0
        ? this.stmts.forwardable.all(kind, this.now(), limit)
        : this.stmts.forwardableWithin.all(kind, this.now(), JSON.stringify(capabilities), limit)
    return (rows as Array<{ id: string }>).map((r) => r.id)
  }

  /** Renews one lease named by its holder and token; false when the lease is no longer theirs. */
  renew(id: string, workerId: string, token: number, leaseMs: number): boolean {
    return Number(this.stmts.renew.run(this.now() + leaseMs, id, workerId, token).changes) === 1
  }

  /**
   * This relay is starting: while it was down no member could renew a lease or deliver
   * a result, so each hand-off lease runs at least `leaseMs` from now. Without it, an
   * owner down for longer than a lease would take back, and run again, every task a
   * member had finished for it and kept the result of (issue 11: "when B restarts, it
   * collects their results"). Returns the leases extended.
   */
  resume(leaseMs: number): number {
    return Number(this.stmts.resume.run(this.now() + leaseMs).changes)
  }

  giveBack(id: string, token: number, reason: TaskError): TaskRecord | undefined {
    const row = this.stmts.giveBack.get(JSON.stringify(reason), this.now(), id, token) as
      | TaskValues
      | undefined
    return row === undefined ? undefined : rowToTask(row)
  }
}
