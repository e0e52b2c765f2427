import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { TaskError } from '../../../shared/task/types.ts'
import type { StepPlacement, StepRecord, StepState } from '../../../shared/workflow/types.ts'
import {
  ITEM_COLUMNS,
  type ItemRecord,
  type ItemRow,
  rowToItem,
  rowToStep,
  STEP_COLUMNS,
  type StepRow,
} from './workflow-row.ts'

/** How an attempt of a step or item began: its task (task steps, map items), where it runs. */
export interface AttemptStart {
  taskId?: string | null | undefined
  placement?: StepPlacement | null | undefined
}

/**
 * How an attempt ended, reported by the engine (tool steps, map steps, or a task step
 * the engine gives up on). A task's own settlement reaches its step through the
 * trigger (workflow-schema.ts) instead. A failure goes back to `pending` while
 * attempts are left and the workflow runs, unless `final` is set.
 */
export type AttemptOutcome = (
  | { state: 'succeeded'; output?: unknown; outputCid?: string | null | undefined }
  | { state: 'failed'; error: TaskError; final?: boolean | undefined }
  | { state: 'cancelled'; error?: TaskError | undefined }
) & {
  /** Merged into what start recorded (e.g. the runtime a tool call took). */
  placement?: StepPlacement | undefined
}

/**
 * Why a fenced transition changed nothing. `stale_attempt`: the caller names another
 * attempt than the current one (a late result, like a stale worker's token);
 * `not_pending`/`not_running`: the attempt is current but no longer in the state the
 * transition starts from; `no_attempts_left`; `workflow_finished`: the workflow ended
 * (cancelled, failed fast), so nothing new starts.
 */
export type AttemptRefusal =
  | 'not_found'
  | 'stale_attempt'
  | 'not_pending'
  | 'not_running'
  | 'no_attempts_left'
  | 'workflow_finished'

export type StepResult = { ok: true; step: StepRecord } | { ok: false; reason: AttemptRefusal }
export type ItemResult = { ok: true; item: ItemRecord } | { ok: false; reason: AttemptRefusal }

/** Item counts of a map step by state. */
export interface ItemCounts {
  total: number
  pending: number
  running: number
  succeeded: number
  failed: number
  cancelled: number
}

const WORKFLOW_RUNNING = `EXISTS (SELECT 1 FROM workflows w WHERE w.id = ?1 AND w.state = 'running')`

/** SET clause for a finish; ?3 attempt, ?4 state asked, ?5 output, ?6 cid, ?7 error, ?8 may retry, ?9 now, ?10 placement patch. */
function finishSet(limit: string): string {
  const retry = `?4 = 'failed' AND ?8 = 1 AND attempt < ${limit} AND ${WORKFLOW_RUNNING}`
  return `state = CASE WHEN ${retry} THEN 'pending' ELSE ?4 END,
    output = ?5, output_cid = ?6, error = ?7,
    placement = CASE WHEN ?10 IS NULL THEN placement ELSE json_patch(COALESCE(placement, '{}'), ?10) END,
    finished_at = CASE WHEN ${retry} THEN NULL ELSE ?9 END`
}

const ITEM_LIMIT = `(SELECT s.max_attempts FROM workflow_steps s
  WHERE s.workflow_id = workflow_items.workflow_id AND s.step_id = workflow_items.step_id)`

/**
 * Fenced transitions of steps and map items, attempt by attempt: `start` takes a
 * pending step to attempt n (only n = current + 1, within max attempts, while the
 * workflow runs); `finish` ends attempt n (only while it is the current, running one).
 * Every write also touches the workflow's updated_at. Each method is one transaction
 * of its own, or joins the caller's (TaskStore.transaction).
 */
export class WorkflowAttempts {
  private readonly now: () => number
  private readonly tx: <T>(fn: () => T) => T
  private readonly stmts: Record<
    | 'startStep'
    | 'finishStep'
    | 'getStep'
    | 'touch'
    | 'addItems'
    | 'pendingItems'
    | 'startItem'
    | 'finishItem'
    | 'getItem'
    | 'items'
    | 'itemCounts'
    | 'itemState'
    | 'itemTotal'
    | 'runningItems'
    | 'closePending'
    | 'closePendingItems',
    StatementSync
  >

  constructor(db: DatabaseSync, now: () => number, tx: <T>(fn: () => T) => T) {
    this.now = now
    this.tx = tx
    // ?1 workflow, ?2 step, ?3 attempt, ?4 task, ?5 placement, ?6 now (starts).
    const startSet = `state = 'running', attempt = ?3, task_id = ?4, placement = ?5, output = NULL,
      output_cid = NULL, error = NULL, started_at = ?6, finished_at = NULL`
    this.stmts = {
      startStep: db.prepare(`UPDATE workflow_steps SET ${startSet}
        WHERE workflow_id = ?1 AND step_id = ?2 AND state = 'pending' AND attempt = ?3 - 1
        AND ?3 <= max_attempts AND ${WORKFLOW_RUNNING} RETURNING ${STEP_COLUMNS}`),
      finishStep: db.prepare(`UPDATE workflow_steps SET ${finishSet('max_attempts')}
        WHERE workflow_id = ?1 AND step_id = ?2 AND state = 'running' AND attempt = ?3 RETURNING ${STEP_COLUMNS}`),
      getStep: db.prepare(`SELECT ${STEP_COLUMNS} FROM workflow_steps WHERE workflow_id = ? AND step_id = ?`),
      touch: db.prepare('UPDATE workflows SET updated_at = ? WHERE id = ?'),
      // One statement for any number of items (a map over 10,000 is one insert).
      addItems:
        db.prepare(`WITH RECURSIVE n(i) AS (SELECT 0 WHERE ?3 > 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?3)
        INSERT OR IGNORE INTO workflow_items (workflow_id, step_id, item_index, state)
        SELECT ?1, ?2, i, 'pending' FROM n
        WHERE EXISTS (SELECT 1 FROM workflow_steps WHERE workflow_id = ?1 AND step_id = ?2 AND type = 'map')`),
      pendingItems: db.prepare(`SELECT item_index FROM workflow_items
        WHERE workflow_id = ? AND step_id = ? AND state = 'pending' ORDER BY item_index LIMIT ?`),
      startItem: db.prepare(`UPDATE workflow_items SET ${startSet}
        WHERE workflow_id = ?1 AND step_id = ?2 AND item_index = ?7 AND state = 'pending' AND attempt = ?3 - 1
        AND ?3 <= ${ITEM_LIMIT} AND ${WORKFLOW_RUNNING} RETURNING ${ITEM_COLUMNS}`),
      finishItem: db.prepare(`UPDATE workflow_items SET ${finishSet(ITEM_LIMIT)}
        WHERE workflow_id = ?1 AND step_id = ?2 AND item_index = ?11 AND state = 'running' AND attempt = ?3
        RETURNING ${ITEM_COLUMNS}`),
      getItem: db.prepare(
        `SELECT ${ITEM_COLUMNS} FROM workflow_items WHERE workflow_id = ? AND step_id = ? AND item_index = ?`,
      ),
      items: db.prepare(`SELECT ${ITEM_COLUMNS} FROM workflow_items WHERE workflow_id = ? AND step_id = ?
        AND item_index >= ? ORDER BY item_index LIMIT ?`),
      itemCounts: db.prepare(`SELECT state, COUNT(*) AS n FROM workflow_items
        WHERE workflow_id = ? AND step_id = ? GROUP BY state`),
      itemTotal: db.prepare('SELECT COUNT(*) AS n FROM workflow_items WHERE workflow_id = ?'),
      itemState: db.prepare(`SELECT state, attempt FROM workflow_items
        WHERE workflow_id = ? AND step_id = ? AND item_index = ?`),
      runningItems: db.prepare(`SELECT item_index FROM workflow_items
        WHERE workflow_id = ? AND step_id = ? AND state = 'running'`),
      closePendingItems:
        db.prepare(`UPDATE workflow_items SET state = 'cancelled', error = ?3, finished_at = ?4
        WHERE workflow_id = ?1 AND step_id = ?2 AND state = 'pending'`),
      closePending: db.prepare(`UPDATE workflow_steps SET state = ?3, error = ?4, finished_at = ?5
        WHERE workflow_id = ?1 AND step_id = ?2 AND state = 'pending' RETURNING ${STEP_COLUMNS}`),
    }
  }

  /** Attempt `attempt` of a pending step begins (1 for the first), with its task if any. */
  startStep(workflowId: string, stepId: string, attempt: number, start: AttemptStart = {}): StepResult {
    return this.tx(() => {
      const now = this.now()
      const row = this.stmts.startStep.get(
        workflowId,
        stepId,
        attempt,
        start.taskId ?? null,
        placementText(start.placement),
        now,
      ) as StepRow | undefined
      if (row === undefined)
        return { ok: false, reason: this.startRefusal(this.stepRow(workflowId, stepId), attempt) }
      this.stmts.touch.run(now, workflowId)
      return { ok: true, step: rowToStep(row) }
    })
  }

  /** Attempt `attempt` of a running step ended; refused unless it is the current attempt. */
  finishStep(workflowId: string, stepId: string, attempt: number, outcome: AttemptOutcome): StepResult {
    return this.tx(() => {
      const now = this.now()
      const row = this.stmts.finishStep.get(...finishValues(workflowId, stepId, attempt, outcome, now)) as
        | StepRow
        | undefined
      if (row === undefined) {
        return { ok: false, reason: finishRefusal(this.stepRow(workflowId, stepId), attempt) }
      }
      this.stmts.touch.run(now, workflowId)
      return { ok: true, step: rowToStep(row) }
    })
  }

  /**
   * Pending steps that will never run end here: `skipped` (a dependency failed under
   * `continue`), `cancelled` (fail-fast) or `failed` (the engine gives up after a
   * failure that left attempts). Steps not pending are left alone. Returns those changed.
   */
  closePending(
    workflowId: string,
    stepIds: readonly string[],
    state: 'skipped' | 'cancelled' | 'failed',
    error: TaskError | null = null,
  ): StepRecord[] {
    return this.tx(() => {
      const now = this.now()
      const text = error === null ? null : JSON.stringify(error)
      const changed: StepRecord[] = []
      for (const stepId of stepIds) {
        const row = this.stmts.closePending.get(workflowId, stepId, state, text, now) as StepRow | undefined
        if (row) changed.push(rowToStep(row))
      }
      if (changed.length > 0) this.stmts.touch.run(now, workflowId)
      return changed
    })
  }

  /** A stopped map's pending items will never run: they end `cancelled`. Returns how many. */
  closePendingItems(workflowId: string, stepId: string, error: TaskError): number {
    return this.tx(() => {
      const now = this.now()
      const changed = Number(
        this.stmts.closePendingItems.run(workflowId, stepId, JSON.stringify(error), now).changes,
      )
      if (changed > 0) this.stmts.touch.run(now, workflowId)
      return changed
    })
  }

  /** The items of a map step, indexes 0…count-1, pending; again for the same step adds none. Returns the number added. */
  addItems(workflowId: string, stepId: string, count: number): number {
    return this.tx(() => Number(this.stmts.addItems.run(workflowId, stepId, count).changes))
  }

  /** Up to `limit` pending item indexes of a map step, lowest first. */
  pendingItems(workflowId: string, stepId: string, limit: number): number[] {
    return (this.stmts.pendingItems.all(workflowId, stepId, limit) as Array<{ item_index: number }>).map(
      (r) => r.item_index,
    )
  }

  startItem(
    workflowId: string,
    stepId: string,
    index: number,
    attempt: number,
    start: AttemptStart = {},
  ): ItemResult {
    return this.tx(() => {
      const now = this.now()
      const row = this.stmts.startItem.get(
        workflowId,
        stepId,
        attempt,
        start.taskId ?? null,
        placementText(start.placement),
        now,
        index,
      ) as ItemRow | undefined
      if (row === undefined) {
        const current = this.itemRow(workflowId, stepId, index)
        const limit = this.stepRow(workflowId, stepId)?.max_attempts ?? 0
        return {
          ok: false,
          reason: this.startRefusal(current && { ...current, max_attempts: limit }, attempt),
        }
      }
      this.stmts.touch.run(now, workflowId)
      return { ok: true, item: rowToItem(row) }
    })
  }

  finishItem(
    workflowId: string,
    stepId: string,
    index: number,
    attempt: number,
    outcome: AttemptOutcome,
  ): ItemResult {
    return this.tx(() => {
      const now = this.now()
      const values = [...finishValues(workflowId, stepId, attempt, outcome, now), index]
      const row = this.stmts.finishItem.get(...values) as ItemRow | undefined
      if (row === undefined) {
        return { ok: false, reason: finishRefusal(this.itemRow(workflowId, stepId, index), attempt) }
      }
      this.stmts.touch.run(now, workflowId)
      return { ok: true, item: rowToItem(row) }
    })
  }

  /** Items of a map step in index order, from index `from` (for the map's output, for status). */
  items(workflowId: string, stepId: string, from = 0, limit = 1000): ItemRecord[] {
    return (this.stmts.items.all(workflowId, stepId, from, limit) as unknown as ItemRow[]).map(rowToItem)
  }

  itemCounts(workflowId: string, stepId: string): ItemCounts {
    const counts: ItemCounts = { total: 0, pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 }
    for (const { state, n } of this.stmts.itemCounts.all(workflowId, stepId) as Array<{
      state: keyof ItemCounts
      n: number
    }>) {
      counts.total += n
      if (state in counts) counts[state] = n
    }
    return counts
  }

  /** Items of all the workflow's map steps. */
  itemTotal(workflowId: string): number {
    return (this.stmts.itemTotal.get(workflowId) as { n: number }).n
  }

  /** An item's state and attempt, without its output (undefined for an unknown item). */
  itemState(
    workflowId: string,
    stepId: string,
    index: number,
  ): { state: StepState; attempt: number } | undefined {
    return this.stmts.itemState.get(workflowId, stepId, index) as
      | { state: StepState; attempt: number }
      | undefined
  }

  /** The indexes of a map step's running items. */
  runningItems(workflowId: string, stepId: string): number[] {
    return (this.stmts.runningItems.all(workflowId, stepId) as Array<{ item_index: number }>).map(
      (r) => r.item_index,
    )
  }

  /** One step with its output (undefined for an unknown step). */
  step(workflowId: string, stepId: string): StepRecord | undefined {
    const row = this.stepRow(workflowId, stepId)
    return row && rowToStep(row)
  }

  private stepRow(workflowId: string, stepId: string): StepRow | undefined {
    return this.stmts.getStep.get(workflowId, stepId) as StepRow | undefined
  }

  private itemRow(workflowId: string, stepId: string, index: number): ItemRow | undefined {
    return this.stmts.getItem.get(workflowId, stepId, index) as ItemRow | undefined
  }

  private startRefusal(
    row: { state: string; attempt: number; max_attempts: number; workflow_id: string } | undefined,
    attempt: number,
  ): AttemptRefusal {
    if (row === undefined) return 'not_found'
    if (attempt !== row.attempt + 1) return 'stale_attempt'
    if (row.state !== 'pending') return 'not_pending'
    if (attempt > row.max_attempts) return 'no_attempts_left'
    return 'workflow_finished'
  }
}

function finishRefusal(row: { state: string; attempt: number } | undefined, attempt: number): AttemptRefusal {
  if (row === undefined) return 'not_found'
  return attempt === row.attempt ? 'not_running' : 'stale_attempt'
}

function placementText(placement: StepPlacement | null | undefined): string | null {
  return placement == null ? null : JSON.stringify(placement)
}

/** Values ?1…?10 of a finish statement. */
function finishValues(
  workflowId: string,
  stepId: string,
  attempt: number,
  outcome: AttemptOutcome,
  now: number,
): Array<string | number | null> {
  const succeeded = outcome.state === 'succeeded'
  const output = succeeded && outcome.output !== undefined ? JSON.stringify(outcome.output) : null
  const cid = succeeded ? (outcome.outputCid ?? null) : null
  const error = outcome.state === 'succeeded' ? null : (outcome.error ?? null)
  const retry = outcome.state === 'failed' && outcome.final !== true ? 1 : 0
  return [
    workflowId,
    stepId,
    attempt,
    outcome.state,
    output,
    cid,
    error === null ? null : JSON.stringify(error),
    retry,
    now,
    placementText(outcome.placement),
  ]
}
