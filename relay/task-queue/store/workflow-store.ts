import { randomUUID } from 'node:crypto'
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite'
import type { TaskError } from '../../../shared/task/types.ts'
import type {
  FailurePolicy,
  StepRecord,
  StepSpec,
  StepState,
  WorkflowRecord,
  WorkflowSpec,
  WorkflowState,
} from '../../../shared/workflow/types.ts'
import { WorkflowAttempts } from './workflow-attempts.ts'
import {
  emptyCounts,
  parseJson,
  rowToStep,
  rowToWorkflow,
  STEP_COLUMNS,
  type StepRow,
  WORKFLOW_COLUMNS,
  type WorkflowRow,
} from './workflow-row.ts'

/** A workflow to store: its spec as given, and one row per step as the engine planned it. */
export interface NewWorkflow {
  spec: WorkflowSpec
  /** In spec order; maxAttempts with defaults applied (a map step's is its items'). */
  steps: ReadonlyArray<{ id: string; type: StepSpec['type']; maxAttempts: number }>
  submitter?: string | null | undefined
  /** Called in the transaction before a new workflow is stored (not for an idempotent repeat): throw to refuse it. */
  admit?: (() => void) | undefined
}

export interface WorkflowDetail {
  workflow: WorkflowRecord
  spec: WorkflowSpec
  /** In spec order; map steps with their item counts. */
  steps: StepRecord[]
}

export interface WorkflowListFilter {
  state?: WorkflowState | undefined
  tag?: string | undefined
  submitter?: string | undefined
  limit: number
  /** Skip this many matching workflows (offset paging). */
  offset?: number | undefined
  /** A page's nextCursor: the workflows created before that page's last one. */
  cursor?: number | undefined
}

export interface WorkflowPage {
  /** Newest first. */
  workflows: WorkflowRecord[]
  total: number
  nextCursor: number | null
}

/** The step or map item whose current attempt a task is. */
export interface TaskOwner {
  workflowId: string
  stepId: string
  /** Set for a map item. */
  index?: number
}

/** What is still running when a workflow is cancelled, for the engine to stop. */
export interface RunningAttempt {
  stepId: string
  index?: number
  attempt: number
  /** The attempt's task (cancel it through the TaskService), or null for a tool call (abort it). */
  taskId: string | null
}

export type CancelWorkflowResult =
  | { ok: true; workflow: WorkflowRecord; running: RunningAttempt[] }
  | { ok: false; reason: 'not_found' | 'already_finished' }

export type FinishWorkflowResult =
  | { ok: true; workflow: WorkflowRecord }
  | { ok: false; reason: 'not_found' | 'already_finished' }

/** A step's state as the engine follows it: no output, error or timings. */
export interface StepStateRow {
  stepId: string
  type: StepSpec['type']
  state: StepState
  attempt: number
  taskId: string | null
}

export interface RunningWorkflow {
  spec: WorkflowSpec
  onFailure: FailurePolicy
  submitter: string | null
  steps: StepStateRow[]
}

const STEP_STATE_COLUMNS = 'step_id, type, state, attempt, task_id'

interface StateRow {
  step_id: string
  type: string
  state: string
  attempt: number
  task_id: string | null
}

function toStateRow(row: StateRow): StepStateRow {
  return {
    stepId: row.step_id,
    type: row.type as StepSpec['type'],
    state: row.state as StepState,
    attempt: row.attempt,
    taskId: row.task_id,
  }
}

const CANCELLED: TaskError = { code: 'CANCELLED', message: 'the workflow was cancelled' }

/**
 * Durable workflows in the task queue's SQLite file (issue 12, "survive crashes"): a
 * workflow row with its spec, a row per step and a row per map item. It stores and
 * transitions; what to run next is the engine's (shared/workflow/ decides). Step and
 * item attempts live in `attempts`; a task's settlement reaches its step through the
 * trigger in workflow-schema.ts, in the task's own transaction. Each method is one
 * transaction, or joins the caller's (TaskStore.transaction).
 */
export class WorkflowStore {
  readonly attempts: WorkflowAttempts
  private readonly db: DatabaseSync
  private readonly now: () => number
  private readonly tx: <T>(fn: () => T) => T
  private readonly stmts: Record<
    | 'insert'
    | 'insertStep'
    | 'byKey'
    | 'get'
    | 'spec'
    | 'steps'
    | 'counts'
    | 'owner'
    | 'itemOwner'
    | 'cancel'
    | 'cancelSteps'
    | 'cancelItems'
    | 'runningSteps'
    | 'runningItems'
    | 'finish'
    | 'runHeader'
    | 'stepStates'
    | 'stepState',
    StatementSync
  >

  constructor(db: DatabaseSync, now: () => number, tx: <T>(fn: () => T) => T) {
    this.db = db
    this.now = now
    this.tx = tx
    this.attempts = new WorkflowAttempts(db, now, tx)
    const returning = `RETURNING ${WORKFLOW_COLUMNS}`
    this.stmts = {
      insert:
        db.prepare(`INSERT INTO workflows (id, name, state, on_failure, idempotency_key, tags, submitter, spec,
        created_at, updated_at) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?) ${returning}`),
      insertStep:
        db.prepare(`INSERT INTO workflow_steps (workflow_id, step_id, position, type, state, max_attempts,
        created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)`),
      byKey: db.prepare(`SELECT id FROM workflows WHERE idempotency_key = ?`),
      get: db.prepare(`SELECT ${WORKFLOW_COLUMNS} FROM workflows WHERE id = ?`),
      spec: db.prepare('SELECT spec FROM workflows WHERE id = ?'),
      steps: db.prepare(`SELECT ${STEP_COLUMNS} FROM workflow_steps WHERE workflow_id = ? ORDER BY position`),
      counts: db.prepare(`SELECT workflow_id, state, COUNT(*) AS n FROM workflow_steps
        WHERE workflow_id IN (SELECT value FROM json_each(?)) GROUP BY workflow_id, state`),
      owner: db.prepare('SELECT workflow_id, step_id FROM workflow_steps WHERE task_id = ?'),
      itemOwner: db.prepare('SELECT workflow_id, step_id, item_index FROM workflow_items WHERE task_id = ?'),
      cancel: db.prepare(`UPDATE workflows SET state = 'cancelled', updated_at = ?2, finished_at = ?2
        WHERE id = ?1 AND state = 'running' ${returning}`),
      cancelSteps: db.prepare(`UPDATE workflow_steps SET state = 'cancelled', error = ?2, finished_at = ?3
        WHERE workflow_id = ?1 AND state = 'pending'`),
      cancelItems: db.prepare(`UPDATE workflow_items SET state = 'cancelled', error = ?2, finished_at = ?3
        WHERE workflow_id = ?1 AND state = 'pending'`),
      runningSteps: db.prepare(`SELECT step_id, attempt, task_id FROM workflow_steps
        WHERE workflow_id = ? AND state = 'running' AND type <> 'map' ORDER BY position`),
      runningItems: db.prepare(`SELECT step_id, item_index, attempt, task_id FROM workflow_items
        WHERE workflow_id = ? AND state = 'running' ORDER BY step_id, item_index`),
      finish: db.prepare(`UPDATE workflows SET state = ?2, updated_at = ?3, finished_at = ?3
        WHERE id = ?1 AND state = 'running' ${returning}`),
      runHeader: db.prepare(`SELECT state, on_failure, submitter, spec FROM workflows WHERE id = ?`),
      stepStates: db.prepare(
        `SELECT ${STEP_STATE_COLUMNS} FROM workflow_steps WHERE workflow_id = ? ORDER BY position`,
      ),
      stepState: db.prepare(
        `SELECT ${STEP_STATE_COLUMNS} FROM workflow_steps WHERE workflow_id = ? AND step_id = ?`,
      ),
    }
  }

  /**
   * Stores a running workflow and its steps (all pending). An idempotency key stored
   * before returns that workflow, unchanged, with `created: false`.
   */
  insert(input: NewWorkflow): { workflow: WorkflowRecord; created: boolean } {
    return this.tx(() => {
      const { spec } = input
      if (spec.idempotencyKey !== undefined) {
        const existing = this.stmts.byKey.get(spec.idempotencyKey) as { id: string } | undefined
        const found = existing && this.getRecord(existing.id)
        if (found) return { workflow: found, created: false }
      }
      input.admit?.()
      const now = this.now()
      const id = randomUUID()
      const row = this.stmts.insert.get(
        id,
        spec.name ?? null,
        spec.onFailure ?? 'fail-fast',
        spec.idempotencyKey ?? null,
        JSON.stringify(spec.tags ?? []),
        input.submitter ?? null,
        JSON.stringify(spec),
        now,
        now,
      ) as unknown as WorkflowRow
      input.steps.forEach((step, position) => {
        this.stmts.insertStep.run(id, step.id, position, step.type, step.maxAttempts, now)
      })
      const counts = emptyCounts()
      counts.pending = input.steps.length
      return { workflow: rowToWorkflow(row, counts), created: true }
    })
  }

  /** One workflow with its spec and steps (map steps with item counts), or undefined. */
  get(id: string): WorkflowDetail | undefined {
    // Reads need no transaction: the one connection runs one statement at a time, synchronously.
    const workflow = this.getRecord(id)
    if (!workflow) return undefined
    const spec = parseJson<WorkflowSpec>((this.stmts.spec.get(id) as { spec: string }).spec, { steps: [] })
    const steps = (this.stmts.steps.all(id) as unknown as StepRow[]).map((row) => {
      if (row.type !== 'map') return rowToStep(row)
      const { total, succeeded, failed, running } = this.attempts.itemCounts(id, row.step_id)
      return rowToStep(row, { total, succeeded, failed, running })
    })
    return { workflow, spec, steps }
  }

  /**
   * What the engine keeps of a running workflow (relay/workflows/live-run.ts): its spec,
   * policy and submitter, and each step's state without outputs. Undefined when the
   * workflow is unknown or no longer running.
   */
  running(id: string): RunningWorkflow | undefined {
    const row = this.stmts.runHeader.get(id) as
      | { state: string; on_failure: string; submitter: string | null; spec: string }
      | undefined
    if (row === undefined || row.state !== 'running') return undefined
    return {
      spec: parseJson<WorkflowSpec>(row.spec, { steps: [] }),
      onFailure: row.on_failure as FailurePolicy,
      submitter: row.submitter,
      steps: this.stepStates(id),
    }
  }

  /** Every step's state, in spec order, without outputs (cheap enough to read per decision). */
  stepStates(id: string): StepStateRow[] {
    return (this.stmts.stepStates.all(id) as unknown as StateRow[]).map(toStateRow)
  }

  /** One step's state without its output. */
  stepState(id: string, stepId: string): StepStateRow | undefined {
    const row = this.stmts.stepState.get(id, stepId) as StateRow | undefined
    return row && toStateRow(row)
  }

  /** Workflows newest first, filtered by state, tag and submitter, one page with the total. */
  list(filter: WorkflowListFilter): WorkflowPage {
    const where: string[] = []
    const values: SQLInputValue[] = []
    if (filter.state !== undefined) where.push('state = ?') && values.push(filter.state)
    if (filter.submitter !== undefined) where.push('submitter = ?') && values.push(filter.submitter)
    if (filter.tag !== undefined) {
      where.push('EXISTS (SELECT 1 FROM json_each(workflows.tags) WHERE value = ?)')
      values.push(filter.tag)
    }
    const clause = (conditions: string[]) =>
      conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''
    const { n: total } = this.db
      .prepare(`SELECT COUNT(*) AS n FROM workflows ${clause(where)}`)
      .get(...values) as { n: number }
    const paged = filter.cursor === undefined ? where : [...where, 'seq < ?']
    const pageValues = filter.cursor === undefined ? values : [...values, filter.cursor]
    const rows = this.db
      .prepare(
        `SELECT ${WORKFLOW_COLUMNS} FROM workflows ${clause(paged)} ORDER BY seq DESC LIMIT ? OFFSET ?`,
      )
      .all(...pageValues, filter.limit + 1, filter.offset ?? 0) as unknown as WorkflowRow[]
    // One row more than asked tells whether another page follows.
    const more = rows.length > filter.limit
    if (more) rows.pop()
    const counts = this.countsOf(rows.map((r) => r.id))
    const last = rows.at(-1)
    return {
      workflows: rows.map((row) => rowToWorkflow(row, counts.get(row.id) ?? emptyCounts())),
      total,
      nextCursor: more && last ? last.seq : null,
    }
  }

  /**
   * The step or map item whose current attempt is this task, if any (a task of an
   * earlier attempt is no longer linked: name the step in the task's metadata to keep it).
   */
  ownerOfTask(taskId: string): TaskOwner | undefined {
    const step = this.stmts.owner.get(taskId) as { workflow_id: string; step_id: string } | undefined
    if (step) return { workflowId: step.workflow_id, stepId: step.step_id }
    const item = this.stmts.itemOwner.get(taskId) as
      | { workflow_id: string; step_id: string; item_index: number }
      | undefined
    return item && { workflowId: item.workflow_id, stepId: item.step_id, index: item.item_index }
  }

  /**
   * Cancels a running workflow: it is `cancelled` at once (so a completion racing with
   * the cancel cannot also finish it), its pending steps and items are cancelled, and
   * the attempts still running are returned for the engine to stop (tasks through the
   * TaskService, whose cancel then reaches the step through the trigger; tool calls by
   * their AbortSignal). What had finished is kept.
   */
  cancel(id: string): CancelWorkflowResult {
    return this.tx(() => {
      const now = this.now()
      const row = this.stmts.cancel.get(id, now) as WorkflowRow | undefined
      if (row === undefined) {
        return { ok: false, reason: this.stmts.get.get(id) ? 'already_finished' : 'not_found' }
      }
      const error = JSON.stringify(CANCELLED)
      this.stmts.cancelSteps.run(id, error, now)
      this.stmts.cancelItems.run(id, error, now)
      const running: RunningAttempt[] = [
        ...(
          this.stmts.runningSteps.all(id) as Array<{
            step_id: string
            attempt: number
            task_id: string | null
          }>
        ).map((r) => ({ stepId: r.step_id, attempt: r.attempt, taskId: r.task_id })),
        ...(
          this.stmts.runningItems.all(id) as Array<{
            step_id: string
            item_index: number
            attempt: number
            task_id: string | null
          }>
        ).map((r) => ({ stepId: r.step_id, index: r.item_index, attempt: r.attempt, taskId: r.task_id })),
      ]
      return { ok: true, workflow: rowToWorkflow(row, this.countsOf([id]).get(id) ?? emptyCounts()), running }
    })
  }

  /** The workflow's final state, set once: refused if it already ended (e.g. cancelled first). */
  finish(id: string, state: Exclude<WorkflowState, 'running'>): FinishWorkflowResult {
    return this.tx(() => {
      const row = this.stmts.finish.get(id, state, this.now()) as WorkflowRow | undefined
      if (row === undefined) {
        return { ok: false, reason: this.stmts.get.get(id) ? 'already_finished' : 'not_found' }
      }
      return { ok: true, workflow: rowToWorkflow(row, this.countsOf([id]).get(id) ?? emptyCounts()) }
    })
  }

  private getRecord(id: string): WorkflowRecord | undefined {
    const row = this.stmts.get.get(id) as WorkflowRow | undefined
    return row && rowToWorkflow(row, this.countsOf([id]).get(id) ?? emptyCounts())
  }

  private countsOf(ids: readonly string[]): Map<string, Record<StepState, number>> {
    const counts = new Map<string, Record<StepState, number>>()
    if (ids.length === 0) return counts
    const rows = this.stmts.counts.all(JSON.stringify(ids)) as Array<{
      workflow_id: string
      state: StepState
      n: number
    }>
    for (const { workflow_id, state, n } of rows) {
      const entry = counts.get(workflow_id) ?? emptyCounts()
      entry[state] = n
      counts.set(workflow_id, entry)
    }
    return counts
  }
}
