/**
 * The orders a task listing can be read in (issue 13: the dashboard's Tasks table sorts
 * across all pages, so the store sorts, not the page). Each order ends in `seq`, unique,
 * so that every task has one place and a page's last task is a keyset cursor: the next
 * page starts right after it, whatever was inserted or moved since.
 *
 * Every order is served by an index for no filter and each of the filters the dashboard
 * uses (state, kind, worker): see LIST_INDEXES in task-schema.ts and the plan test in
 * task-listing.test.ts.
 */
export const TASK_ORDERS = ['newest', 'oldest', 'priority', 'lowest-priority'] as const
export type TaskOrder = (typeof TASK_ORDERS)[number]

export const DEFAULT_TASK_ORDER: TaskOrder = 'newest'

/** Where a page ended: the sort key of its last task. `priority` matters only to the priority orders. */
export interface ListKey {
  priority: number
  seq: number
}

type Direction = 'ASC' | 'DESC'

interface OrderSpec {
  /** Priority first (the priority orders), then seq. */
  priority?: Direction
  seq: Direction
}

const SPECS: Record<TaskOrder, OrderSpec> = {
  // Submission order; seq rather than created_at, which a clock step could reorder.
  newest: { seq: 'DESC' },
  oldest: { seq: 'ASC' },
  // The order the queue runs them: higher priority first, FIFO within a priority.
  priority: { priority: 'DESC', seq: 'ASC' },
  // That order reversed: what runs last comes first.
  'lowest-priority': { priority: 'ASC', seq: 'DESC' },
}

const after = (direction: Direction) => (direction === 'ASC' ? '>' : '<')

/** One range of a page: the condition after a key, and the ORDER BY that walks it. */
export interface KeyRange {
  where: string
  values: number[]
  orderBy: string
}

export function orderBy(order: TaskOrder): string {
  const spec = SPECS[order]
  return spec.priority === undefined ? `seq ${spec.seq}` : `priority ${spec.priority}, seq ${spec.seq}`
}

/**
 * The ranges that follow `key` in `order`, read one after the other. A seq order is one
 * range. A priority order is two: the rest of the key's priority (by seq), then the
 * priorities after it. Two ranges rather than `priority < ? OR (priority = ? AND seq > ?)`
 * because SQLite seeks an index only to a range of its leading columns: with the OR (or
 * a row value, which cannot mix ASC and DESC) a page deep in one priority would walk
 * every task of that priority before it.
 */
export function rangesAfter(order: TaskOrder, key: ListKey): KeyRange[] {
  const spec = SPECS[order]
  if (spec.priority === undefined) {
    return [{ where: `seq ${after(spec.seq)} ?`, values: [key.seq], orderBy: orderBy(order) }]
  }
  return [
    {
      where: `priority = ? AND seq ${after(spec.seq)} ?`,
      values: [key.priority, key.seq],
      orderBy: `seq ${spec.seq}`,
    },
    { where: `priority ${after(spec.priority)} ?`, values: [key.priority], orderBy: orderBy(order) },
  ]
}
