/**
 * A column header that sorts the Tasks table on the relay (p2p_taskqueue_list_tasks
 * `sort`), so the order holds across pages. One button per header (WAI-ARIA sortable
 * table pattern): aria-sort on the header says the current order, and the button's
 * label says what a click does.
 */

/** The orders p2p_taskqueue_list_tasks offers (relay/task-queue/store/task-order.ts). */
export type TaskSort = 'newest' | 'oldest' | 'priority' | 'lowest-priority'

export interface SortColumn {
  label: string
  /** The order of the first click, shown as descending. */
  descending: TaskSort
  /** The order of the next click, shown as ascending. */
  ascending: TaskSort
}

export const SORT_LABELS: Record<TaskSort, string> = {
  newest: 'newest first',
  oldest: 'oldest first',
  priority: 'highest priority first, then oldest (the order the queue runs them)',
  'lowest-priority': 'lowest priority first, then newest',
}

export function SortHeader({
  column,
  sort,
  onSort,
}: {
  column: SortColumn
  sort: TaskSort
  onSort: (sort: TaskSort) => void
}) {
  const current = sort === column.descending ? 'descending' : sort === column.ascending ? 'ascending' : 'none'
  const next = current === 'descending' ? column.ascending : column.descending
  return (
    <th scope="col" aria-sort={current}>
      <button
        type="button"
        class="sort"
        data-sort={next}
        title={`Sort: ${SORT_LABELS[next]}`}
        onClick={() => onSort(next)}
      >
        {column.label}
        <span aria-hidden="true">
          {current === 'descending' ? ' ▼' : current === 'ascending' ? ' ▲' : ''}
        </span>
      </button>
    </th>
  )
}
