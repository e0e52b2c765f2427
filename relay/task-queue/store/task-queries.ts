import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { TASK_STATES, type TaskRecord, type TaskState } from '../../../shared/task/types.ts'
import { type ListFilter, listTasks, type TaskPage } from './task-listing.ts'
import { rowToTask, TASK_COLUMNS, type TaskValues, taskStatement } from './task-row.ts'

export interface QueueStats {
  counts: Record<TaskState, number>
  /** Queued tasks that may be leased now. */
  ready: number
  /** Queued tasks waiting out a retry backoff. */
  delayed: number
  /** Creation time of the oldest queued task, or null. */
  oldestQueuedAt: number | null
  /** The last fencing token handed out. */
  lastToken: number
}

/** Read-only queries of the task table. Damaged JSON in a row never throws (see rowToTask). */
export class TaskQueries {
  private readonly db: DatabaseSync
  private readonly now: () => number
  private readonly stmts: Record<
    'byId' | 'byIds' | 'counts' | 'ready' | 'oldest' | 'fence' | 'bySubmitter' | 'active' | 'ahead',
    StatementSync
  >

  constructor(db: DatabaseSync, now: () => number) {
    this.db = db
    this.now = now
    this.stmts = {
      byId: taskStatement(db, `SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ?`),
      byIds: taskStatement(
        db,
        `SELECT ${TASK_COLUMNS} FROM tasks WHERE id IN (SELECT value FROM json_each(?))`,
      ),
      counts: db.prepare('SELECT state, COUNT(*) AS n FROM tasks GROUP BY state'),
      ready: db.prepare(`SELECT COUNT(*) AS n FROM tasks WHERE state = 'queued' AND not_before <= ?`),
      oldest: db.prepare(`SELECT MIN(created_at) AS at FROM tasks WHERE state = 'queued'`),
      fence: db.prepare(`SELECT value FROM queue_meta WHERE key = 'fence'`),
      bySubmitter: db.prepare(`SELECT COUNT(*) AS n FROM tasks INDEXED BY tasks_submitter
        WHERE submitter = ? AND state IN ('queued', 'leased', 'running')`),
      active: db.prepare(`SELECT COUNT(*) AS n FROM tasks WHERE state IN ('queued', 'leased', 'running')`),
      ahead: db.prepare(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM tasks INDEXED BY tasks_lease
        WHERE state = 'queued' AND kind = ?1 AND (priority > ?2 OR (priority = ?2 AND seq < ?3)) LIMIT ?4)`),
    }
  }

  get(id: string): TaskRecord | undefined {
    const row = this.stmts.byId.get(id) as TaskValues | undefined
    return row ? rowToTask(row) : undefined
  }

  /** Queued tasks of the same kind that run before this one, counted up to `limit`. */
  queuedAhead(task: Pick<TaskRecord, 'kind' | 'priority' | 'seq'>, limit: number): number {
    return (this.stmts.ahead.get(task.kind, task.priority, task.seq, limit) as { n: number }).n
  }

  activeBySubmitter(submitter: string): number {
    return (this.stmts.bySubmitter.get(submitter) as { n: number }).n
  }

  activeTotal(): number {
    return (this.stmts.active.get() as { n: number }).n
  }

  /** The tasks with these ids, in the order asked; unknown ids are left out. */
  getMany(ids: readonly string[]): TaskRecord[] {
    if (ids.length === 0) return []
    const rows = this.stmts.byIds.all(JSON.stringify(ids)) as unknown as TaskValues[]
    const byId = new Map(rows.map((row) => [row[1], row]))
    const tasks: TaskRecord[] = []
    for (const id of ids) {
      const row = byId.get(id)
      if (row) tasks.push(rowToTask(row))
    }
    return tasks
  }

  /** Tasks in the filter's order, one page, with the total (task-listing.ts). */
  list(filter: ListFilter): TaskPage {
    return listTasks(this.db, filter)
  }

  countsByState(): Record<TaskState, number> {
    const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>
    for (const row of this.stmts.counts.all() as Array<{ state: TaskState; n: number }>) {
      counts[row.state] = row.n
    }
    return counts
  }

  /** Queued tasks that a worker could lease now. */
  waitingCount(): number {
    return (this.stmts.ready.get(this.now()) as { n: number }).n
  }

  stats(): QueueStats {
    const counts = this.countsByState()
    const ready = this.waitingCount()
    return {
      counts,
      ready,
      delayed: counts.queued - ready,
      oldestQueuedAt: (this.stmts.oldest.get() as { at: number | null }).at,
      lastToken: (this.stmts.fence.get() as { value: number }).value,
    }
  }
}
