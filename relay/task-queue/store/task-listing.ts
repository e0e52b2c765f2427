import type { DatabaseSync, SQLInputValue } from 'node:sqlite'
import type { TaskRecord, TaskState } from '../../../shared/task/types.ts'
import { DEFAULT_TASK_ORDER, type ListKey, orderBy, rangesAfter, type TaskOrder } from './task-order.ts'
import { rowToTask, TASK_COLUMNS, type TaskValues, taskStatement } from './task-row.ts'

export interface ListFilter {
  states?: readonly TaskState[] | undefined
  kind?: string | undefined
  workerId?: string | undefined
  tag?: string | undefined
  /** The order of the listing (default newest first). */
  order?: TaskOrder | undefined
  limit: number
  /** Skip this many matching tasks (offset paging); only without `after`. */
  offset?: number | undefined
  /** Only tasks after this one in `order`: the previous page's `next` (stable under inserts and moves). */
  after?: ListKey | undefined
}

export interface TaskPage {
  tasks: TaskRecord[]
  /** Matching tasks in all pages. */
  total: number
  /** The key after which the next page starts, or null when this page is the last. */
  next: ListKey | null
}

interface Conditions {
  /** The states asked for, each once; undefined: any state. */
  states: TaskState[] | undefined
  where: string[]
  values: SQLInputValue[]
}

function conditionsOf(filter: ListFilter): Conditions {
  const where: string[] = []
  const values: SQLInputValue[] = []
  if (filter.kind !== undefined) where.push('kind = ?') && values.push(filter.kind)
  if (filter.workerId !== undefined) where.push('worker_id = ?') && values.push(filter.workerId)
  if (filter.tag !== undefined) {
    where.push('EXISTS (SELECT 1 FROM json_each(tasks.tags) WHERE value = ?)')
    values.push(filter.tag)
  }
  const states = filter.states === undefined ? undefined : [...new Set(filter.states)]
  return { states, where, values }
}

const clause = (conditions: string[]) => (conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '')

/**
 * One range of a page as SQL. Several states become one SELECT per state merged by
 * UNION ALL: SQLite then walks each state's ordered index and merges them (MERGE
 * (UNION ALL) in the plan), where `state IN (…)` would collect every match and sort it.
 */
function rangeQuery(
  c: Conditions,
  range: { where: string[]; values: SQLInputValue[]; orderBy: string },
): { sql: string; values: SQLInputValue[] } {
  const where = [...c.where, ...range.where]
  const values = [...c.values, ...range.values]
  if (c.states === undefined) {
    return { sql: `SELECT ${TASK_COLUMNS} FROM tasks ${clause(where)} ORDER BY ${range.orderBy}`, values }
  }
  const arms = c.states.map(() => `SELECT ${TASK_COLUMNS} FROM tasks ${clause(['state = ?', ...where])}`)
  return {
    sql: `${arms.join(' UNION ALL ')} ORDER BY ${range.orderBy}`,
    values: c.states.flatMap((state) => [state, ...values]),
  }
}

/** The SQL of a page's queries, in order (exported for the query-plan test). */
export function pageQueries(filter: ListFilter): Array<{ sql: string; values: SQLInputValue[] }> {
  const c = conditionsOf(filter)
  const order = filter.order ?? DEFAULT_TASK_ORDER
  if (filter.after === undefined) return [rangeQuery(c, { where: [], values: [], orderBy: orderBy(order) })]
  return rangesAfter(order, filter.after).map((r) => rangeQuery(c, { ...r, where: [r.where] }))
}

function countMatching(db: DatabaseSync, filter: ListFilter): number {
  const c = conditionsOf(filter)
  const where = c.states === undefined ? c.where : ['state IN (SELECT value FROM json_each(?))', ...c.where]
  const values = c.states === undefined ? c.values : [JSON.stringify(c.states), ...c.values]
  return (db.prepare(`SELECT COUNT(*) AS n FROM tasks ${clause(where)}`).get(...values) as { n: number }).n
}

/** Tasks in the filter's order, one page, with the total. */
export function listTasks(db: DatabaseSync, filter: ListFilter): TaskPage {
  if (filter.states?.length === 0) return { tasks: [], total: 0, next: null }
  const total = countMatching(db, filter)
  // One row more than asked tells whether another page follows.
  const wanted = filter.limit + 1
  const rows: TaskValues[] = []
  const offset = filter.after === undefined ? (filter.offset ?? 0) : 0
  for (const query of pageQueries(filter)) {
    if (rows.length >= wanted) break
    const found = taskStatement(db, `${query.sql} LIMIT ? OFFSET ?`).all(
      ...query.values,
      wanted - rows.length,
      offset,
    ) as unknown as TaskValues[]
    rows.push(...found)
  }
  const more = rows.length > filter.limit
  if (more) rows.pop()
  const last = rows.at(-1)
  return {
    tasks: rows.map(rowToTask),
    total,
    next: more && last ? { priority: last[5], seq: last[0] } : null,
  }
}
