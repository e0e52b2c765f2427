import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { FinishedPosition } from '../../../shared/task/retention.ts'
import { incrementalVacuum, type VacuumStep } from '../../store/sqlite-vacuum.ts'

/** One batch of a sweep: rows removed, and where the next batch starts (undefined: the range is done). */
export interface RetentionBatch {
  removed: number
  next: FinishedPosition | undefined
}

const FINAL = `('succeeded', 'failed', 'cancelled')`
/** Before every row of the finished order. */
export const START: FinishedPosition = { finishedAt: Number.MIN_SAFE_INTEGER, seq: 0 }

type Tx = <T>(fn: () => T) => T

type Stmt =
  | 'taskBoundary'
  | 'tasksIn'
  | 'held'
  | 'delAttempts'
  | 'delForwarded'
  | 'delTask'
  | 'tombstone'
  | 'orphan'
  | 'flowBoundary'
  | 'flowsIn'
  | 'flowCids'
  | 'delItems'
  | 'delSteps'
  | 'delFlow'
  | 'trimCount'
  | 'trimAge'
  | 'expiredAt'
  | 'orphans'
  | 'referenced'
  | 'forget'

/**
 * The SQL of retention (issue 16) on the task queue's file; the sweep that drives it
 * is relay/retention/sweeper.ts, the limits' arithmetic shared/task/retention.ts.
 *
 * Finished tasks are walked oldest first on `tasks_finished` (task-retention-schema.ts)
 * in batches, each one transaction. A task stays while it belongs to a workflow that is
 * still running (its step may still read it) or while its result is owed to the member
 * relay that forwarded it (the outbox). Its attempts and forwarding row go with it; its
 * id is recorded in `expired_tasks`; its payload CIDs go to `orphan_blocks`.
 *
 * Finished workflows follow the same policy: with their steps and items, older than the
 * max age or beyond the max count (of workflows). No record of a removed workflow is kept.
 */
export class TaskRetention {
  private readonly db: DatabaseSync
  private readonly tx: Tx
  private readonly stmts: Record<Stmt, StatementSync>

  constructor(db: DatabaseSync, tx: Tx) {
    this.db = db
    this.tx = tx
    const range = `(finished_at, seq) > (?1, ?2) AND (finished_at, seq) <= (?3, ?4)`
    const runningFlow = (table: string) =>
      `EXISTS (SELECT 1 FROM ${table} x JOIN workflows w ON w.id = x.workflow_id
        WHERE x.task_id = ?1 AND w.state = 'running')`
    this.stmts = {
      taskBoundary: db.prepare(`SELECT finished_at, seq FROM tasks INDEXED BY tasks_finished
        WHERE state IN ${FINAL} ORDER BY finished_at DESC, seq DESC LIMIT 1 OFFSET ?`),
      tasksIn:
        db.prepare(`SELECT seq, id, finished_at, input_cid, output_cid FROM tasks INDEXED BY tasks_finished
        WHERE state IN ${FINAL} AND ${range} ORDER BY finished_at, seq LIMIT ?5`),
      held: db.prepare(`SELECT ${runningFlow('workflow_steps')} OR ${runningFlow('workflow_items')}
        OR EXISTS (SELECT 1 FROM forwarded_in WHERE task_id = ?1 AND delivered_at IS NULL) AS held`),
      delAttempts: db.prepare('DELETE FROM task_attempts WHERE task_seq = ?'),
      delForwarded: db.prepare('DELETE FROM forwarded_in WHERE task_id = ?'),
      delTask: db.prepare(`DELETE FROM tasks WHERE seq = ? AND state IN ${FINAL}`),
      tombstone: db.prepare('INSERT OR REPLACE INTO expired_tasks (id, expired_at) VALUES (?, ?)'),
      orphan: db.prepare('INSERT OR IGNORE INTO orphan_blocks (cid) VALUES (?)'),
      flowBoundary: db.prepare(`SELECT finished_at, seq FROM workflows INDEXED BY workflows_finished
        WHERE state IN ${FINAL} ORDER BY finished_at DESC, seq DESC LIMIT 1 OFFSET ?`),
      flowsIn: db.prepare(`SELECT seq, id, finished_at FROM workflows INDEXED BY workflows_finished
        WHERE state IN ${FINAL} AND ${range} ORDER BY finished_at, seq LIMIT ?5`),
      flowCids:
        db.prepare(`SELECT output_cid FROM workflow_steps WHERE workflow_id = ?1 AND output_cid IS NOT NULL
        UNION SELECT output_cid FROM workflow_items WHERE workflow_id = ?1 AND output_cid IS NOT NULL`),
      // A map step may hold 100,000 items: they go a batch at a time.
      delItems: db.prepare(`DELETE FROM workflow_items WHERE rowid IN
        (SELECT rowid FROM workflow_items WHERE workflow_id = ? LIMIT ?)`),
      delSteps: db.prepare('DELETE FROM workflow_steps WHERE workflow_id = ?'),
      delFlow: db.prepare('DELETE FROM workflows WHERE seq = ?'),
      trimCount: db.prepare(`DELETE FROM expired_tasks WHERE seq IN (SELECT seq FROM expired_tasks
        WHERE seq <= (SELECT MAX(seq) FROM expired_tasks) - ? ORDER BY seq LIMIT ?)`),
      // Looks at the oldest `limit` rows only, so a table with nothing to trim is not walked.
      trimAge: db.prepare(`DELETE FROM expired_tasks WHERE seq IN (SELECT seq FROM
        (SELECT seq, expired_at FROM expired_tasks ORDER BY seq LIMIT ?2) WHERE expired_at < ?1)`),
      expiredAt: db.prepare('SELECT expired_at FROM expired_tasks WHERE id = ?'),
      orphans: db.prepare('SELECT cid FROM orphan_blocks LIMIT ?'),
      referenced: db.prepare(`SELECT
        EXISTS (SELECT 1 FROM tasks INDEXED BY tasks_input_cid WHERE input_cid = ?1)
        OR EXISTS (SELECT 1 FROM tasks INDEXED BY tasks_output_cid WHERE output_cid = ?1)
        OR EXISTS (SELECT 1 FROM workflow_steps INDEXED BY workflow_steps_output_cid WHERE output_cid = ?1)
        OR EXISTS (SELECT 1 FROM workflow_items INDEXED BY workflow_items_output_cid WHERE output_cid = ?1)
        AS ref`),
      forget: db.prepare('DELETE FROM orphan_blocks WHERE cid = ?'),
    }
  }

  /** The newest finished task beyond the `maxCount` newest, if there are more than that. */
  taskCountBoundary(maxCount: number): FinishedPosition | undefined {
    return position(this.stmts.taskBoundary.get(maxCount))
  }

  /**
   * Removes up to `limit` finished tasks in (after, upTo], oldest first, in one
   * transaction; those still held (a running workflow's, an undelivered forwarded
   * result) are passed over. The batch also ends early, after at least one row, once
   * `overdue()` says it has held the event loop long enough.
   */
  removeTasks(
    after: FinishedPosition,
    upTo: FinishedPosition,
    limit: number,
    now: number,
    overdue: () => boolean = () => false,
  ): RetentionBatch {
    return this.tx(() => {
      const rows = this.stmts.tasksIn.all(
        after.finishedAt,
        after.seq,
        upTo.finishedAt,
        upTo.seq,
        limit,
      ) as Array<{
        seq: number
        id: string
        finished_at: number
        input_cid: string | null
        output_cid: string | null
      }>
      let removed = 0
      for (const [i, row] of rows.entries()) {
        if (!(this.stmts.held.get(row.id) as { held: number }).held) {
          this.stmts.delAttempts.run(row.seq)
          this.stmts.delForwarded.run(row.id)
          this.stmts.delTask.run(row.seq)
          this.stmts.tombstone.run(row.id, now)
          if (row.input_cid !== null) this.stmts.orphan.run(row.input_cid)
          if (row.output_cid !== null) this.stmts.orphan.run(row.output_cid)
          removed++
        }
        const more = i < rows.length - 1 || rows.length === limit
        if (more && overdue()) return { removed, next: { finishedAt: row.finished_at, seq: row.seq } }
      }
      const last = rows.at(-1)
      const next = rows.length < limit || !last ? undefined : { finishedAt: last.finished_at, seq: last.seq }
      return { removed, next }
    })
  }

  workflowCountBoundary(maxCount: number): FinishedPosition | undefined {
    return position(this.stmts.flowBoundary.get(maxCount))
  }

  /**
   * Removes finished workflows in (after, upTo], oldest first, with their steps and
   * items, about `limit` rows in one transaction. A workflow with more items than that
   * loses them over several batches and goes last.
   */
  removeWorkflows(
    after: FinishedPosition,
    upTo: FinishedPosition,
    limit: number,
    overdue: () => boolean = () => false,
  ): RetentionBatch {
    return this.tx(() => {
      const flows = this.stmts.flowsIn.all(
        after.finishedAt,
        after.seq,
        upTo.finishedAt,
        upTo.seq,
        limit,
      ) as Array<{
        seq: number
        id: string
        finished_at: number
      }>
      let removed = 0
      let budget = limit
      let done: FinishedPosition = after
      for (const flow of flows) {
        const cids = this.stmts.flowCids.all(flow.id) as Array<{ output_cid: string }>
        for (const { output_cid } of cids) this.stmts.orphan.run(output_cid)
        const items = Number(this.stmts.delItems.run(flow.id, budget).changes)
        budget -= items
        // Items left: this workflow is finished in the next batch, from the same place.
        if (budget <= 0 || (items > 0 && overdue())) return { removed, next: done }
        this.stmts.delSteps.run(flow.id)
        this.stmts.delFlow.run(flow.seq)
        removed++
        budget--
        done = { finishedAt: flow.finished_at, seq: flow.seq }
        if (overdue()) return { removed, next: done }
      }
      return { removed, next: flows.length < limit ? undefined : done }
    })
  }

  /**
   * Trims the record of expired ids (a batch): rows recorded before `cutoff`, and the
   * oldest beyond `maxCount`. Returns the rows removed; 0 when nothing is left to trim.
   */
  trimExpired(cutoff: number, maxCount: number, limit: number): number {
    return this.tx(() => {
      const byCount = Number(this.stmts.trimCount.run(maxCount, limit).changes)
      return byCount + Number(this.stmts.trimAge.run(cutoff, limit).changes)
    })
  }

  /** When retention removed the task `id`, if it did (and the record is still kept). */
  expiredAt(id: string): number | undefined {
    return (this.stmts.expiredAt.get(id) as { expired_at: number } | undefined)?.expired_at
  }

  /** Payload CIDs of removed rows whose blocks are still to be looked at. */
  orphanBlocks(limit: number): string[] {
    return (this.stmts.orphans.all(limit) as Array<{ cid: string }>).map((r) => r.cid)
  }

  /** Whether a task, step or item still names `cid` as its input or output. */
  isReferenced(cid: string): boolean {
    return (this.stmts.referenced.get(cid) as { ref: number }).ref === 1
  }

  /** The blocks were dealt with (deleted, kept as pinned, or referenced again). */
  forgetOrphans(cids: readonly string[]): void {
    this.tx(() => {
      for (const cid of cids) this.stmts.forget.run(cid)
    })
  }

  /** One step of giving free pages back to the OS (relay/store/sqlite-vacuum.ts). */
  vacuum(pages: number): VacuumStep {
    return incrementalVacuum(this.db, pages)
  }

  /** Copies the WAL into the file without waiting for readers, so the file shrinks. */
  checkpoint(): void {
    this.db.exec('PRAGMA wal_checkpoint(PASSIVE)')
  }
}

function position(row: unknown): FinishedPosition | undefined {
  const r = row as { finished_at: number; seq: number } | undefined
  return r && { finishedAt: r.finished_at, seq: r.seq }
}
