import type { TaskError } from '../../../shared/task/types.ts'
import type {
  FailurePolicy,
  StepPlacement,
  StepRecord,
  StepSpec,
  StepState,
  WorkflowRecord,
  WorkflowState,
} from '../../../shared/workflow/types.ts'

/** One item of a map step: the `do` template run on the item at `index`. */
export interface ItemRecord {
  workflowId: string
  stepId: string
  index: number
  /** pending, running, succeeded, failed or cancelled. */
  state: StepState
  attempt: number
  taskId: string | null
  output?: unknown
  outputCid: string | null
  error: TaskError | null
  placement: StepPlacement | null
  startedAt: number | null
  finishedAt: number | null
}

export const STEP_STATES: readonly StepState[] = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
]

export function emptyCounts(): Record<StepState, number> {
  return { pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, skipped: 0 }
}

export const WORKFLOW_COLUMNS = `seq, id, name, state, on_failure, idempotency_key, tags, submitter, created_at,
  updated_at, finished_at`

export interface WorkflowRow {
  seq: number
  id: string
  name: string | null
  state: string
  on_failure: string
  idempotency_key: string | null
  tags: string
  submitter: string | null
  created_at: number
  updated_at: number
  finished_at: number | null
}

export const STEP_COLUMNS = `workflow_id, step_id, type, state, attempt, max_attempts, task_id, output, output_cid,
  error, placement, created_at, started_at, finished_at`

export interface StepRow {
  workflow_id: string
  step_id: string
  type: string
  state: string
  attempt: number
  max_attempts: number
  task_id: string | null
  output: string | null
  output_cid: string | null
  error: string | null
  placement: string | null
  created_at: number
  started_at: number | null
  finished_at: number | null
}

export const ITEM_COLUMNS = `workflow_id, step_id, item_index, state, attempt, task_id, output, output_cid, error,
  placement, started_at, finished_at`

export interface ItemRow {
  workflow_id: string
  step_id: string
  item_index: number
  state: string
  attempt: number
  task_id: string | null
  output: string | null
  output_cid: string | null
  error: string | null
  placement: string | null
  started_at: number | null
  finished_at: number | null
}

/**
 * Parses a JSON column. A damaged value (edited by hand, disk trouble) reads as the
 * fallback rather than making a workflow unreadable; a damaged error reads as
 * STORE_DAMAGED so that status shows something is wrong.
 */
export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback
  try {
    return JSON.parse(text) as T
  } catch {
    return fallback
  }
}

function parseError(text: string | null): TaskError | null {
  if (text === null) return null
  const value = parseJson<unknown>(text, undefined)
  const { code, message } = (value ?? {}) as { code?: unknown; message?: unknown }
  if (typeof code === 'string' && typeof message === 'string') return { code, message } as TaskError
  return { code: 'STORE_DAMAGED', message: 'unreadable error column in the workflow store' }
}

export function rowToWorkflow(row: WorkflowRow, counts: Record<StepState, number>): WorkflowRecord {
  return {
    id: row.id,
    name: row.name,
    state: row.state as WorkflowState,
    onFailure: row.on_failure as FailurePolicy,
    idempotencyKey: row.idempotency_key,
    tags: parseJson<string[]>(row.tags, []),
    submitter: row.submitter,
    counts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  }
}

export function rowToStep(row: StepRow, items?: StepRecord['items']): StepRecord {
  const step: StepRecord = {
    workflowId: row.workflow_id,
    stepId: row.step_id,
    type: row.type as StepSpec['type'],
    state: row.state as StepState,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    taskId: row.task_id,
    outputCid: row.output_cid,
    error: parseError(row.error),
    placement: parseJson<StepPlacement | null>(row.placement, null),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  }
  if (row.output !== null) step.output = parseJson<unknown>(row.output, undefined)
  if (items !== undefined) step.items = items
  return step
}

export function rowToItem(row: ItemRow): ItemRecord {
  const item: ItemRecord = {
    workflowId: row.workflow_id,
    stepId: row.step_id,
    index: row.item_index,
    state: row.state as StepState,
    attempt: row.attempt,
    taskId: row.task_id,
    outputCid: row.output_cid,
    error: parseError(row.error),
    placement: parseJson<StepPlacement | null>(row.placement, null),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  }
  if (row.output !== null) item.output = parseJson<unknown>(row.output, undefined)
  return item
}
