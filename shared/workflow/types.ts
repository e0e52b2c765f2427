import type { TaskError } from '../task/types.ts'
import type { TrustRequirement } from '../trust/trust-policy.ts'

/**
 * The workflow model (issue 12), shared by the relay's durable workflow store and engine
 * (relay/workflows/), the six `p2p_workflow_*` tools and the dashboard. A workflow is a
 * DAG of steps; a step's inputs may refer to earlier steps' outputs. Pure types: the
 * bounded wire/tool schema is spec-schema.ts, the checks validate.ts.
 */

/**
 * A reference to an earlier step's output, anywhere inside a step's `input` or
 * `params` (a JSON value):
 *
 *   { "$ref": "chunk" }                     the whole output of step `chunk`
 *   { "$ref": "chunk", "path": "$.items[0].text" }   a JSON path into it
 *   { "$cid": "embed" }                     the CID of the output's block (large data)
 *   { "$item": true }                       inside a map step's template: the current item
 *   { "$item": true, "path": "$.text" }     a JSON path into it
 *
 * An object with `$ref`, `$cid` or `$item` is a reference and has no other keys (besides
 * `path`); anything else is a literal. `{ "$literal": value }` passes `value` through
 * unread, for data that itself has such keys (a JSON Schema as a task input). See refs.ts.
 */
export type StepRef =
  | { $ref: string; path?: string | undefined }
  | { $cid: string }
  | { $item: true; path?: string | undefined }

/** What every step has. */
export interface StepBase {
  /** Unique within the workflow: 1–64 characters of [A-Za-z0-9_.-]. */
  id: string
  /** Steps that must succeed first, besides those its references name (they are implied). */
  after?: string[] | undefined
  /** Attempts in all (1 = no retry); default 3 for tasks, 1 for tool calls. */
  maxAttempts?: number | undefined
  /** Per attempt. */
  timeoutMs?: number | undefined
  /** Higher runs first among ready steps (and as the task's priority). */
  priority?: number | undefined
}

/** A task run on workers through the queue (kind + input). */
export interface TaskStep extends StepBase {
  type: 'task'
  kind: string
  /** JSON, with references. */
  input?: unknown
  requires?: string[] | undefined
  trust?: TrustRequirement | undefined
}

/** A tool call run through the router (tool + params), like `tools_dispatch`. */
export interface ToolStep extends StepBase {
  type: 'tool'
  tool: string
  /** JSON object, with references; checked against the tool's input schema. */
  params?: Record<string, unknown> | undefined
}

/**
 * A fan-out: `over` refers to an earlier step's output (or a path into it) that is a
 * list; `do` is run once per item (its `input`/`params` may use `{ $item: true }`), at
 * most `parallelism` at once. The map's output is the list of the items' outputs, in
 * order. A map over an empty list succeeds with [].
 */
export interface MapStep extends StepBase {
  type: 'map'
  over: Extract<StepRef, { $ref: string }>
  do: Omit<TaskStep, 'id' | 'after'> | Omit<ToolStep, 'id' | 'after'>
  /** At most this many items run at once (1–256, default 16). */
  parallelism?: number | undefined
}

export type StepSpec = TaskStep | ToolStep | MapStep

/** fail-fast: the first failed step cancels the rest. continue: only its dependents are skipped. */
export type FailurePolicy = 'fail-fast' | 'continue'

export interface WorkflowSpec {
  /** A name for people (optional). */
  name?: string | undefined
  steps: StepSpec[]
  onFailure?: FailurePolicy | undefined
  /** The same key again returns the workflow submitted first, not a new one. */
  idempotencyKey?: string | undefined
  tags?: string[] | undefined
}

/**
 * A step moves `pending → running → succeeded | failed | cancelled | skipped`.
 * pending: waiting for its dependencies (or for a free place in the workflow);
 * skipped: a dependency failed under `continue`, so it never ran.
 */
export type StepState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped'
export const STEP_FINAL_STATES: ReadonlySet<StepState> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
])

/** A workflow is `running` until every step is final, then succeeded, failed or cancelled. */
export type WorkflowState = 'running' | 'succeeded' | 'failed' | 'cancelled'

/** Where an attempt of a step ran. */
export interface StepPlacement {
  /** The relay that ran it (its PeerId), or this relay. */
  relay?: string | undefined
  /** The worker (task steps) or runtime (tool steps: local, p2p, relay, edge). */
  worker?: string | undefined
  runtime?: string | undefined
}

export interface StepRecord {
  workflowId: string
  stepId: string
  type: StepSpec['type']
  state: StepState
  /** Attempts started so far. */
  attempt: number
  maxAttempts: number
  /** The queue task of the current attempt (task steps), or null. */
  taskId: string | null
  /** Map steps: items in all, and how many have finished. */
  items?: { total: number; succeeded: number; failed: number; running: number } | undefined
  /** The output when it is small enough to keep inline, else its CID. */
  output?: unknown
  outputCid: string | null
  error: TaskError | null
  placement: StepPlacement | null
  createdAt: number
  startedAt: number | null
  finishedAt: number | null
}

export interface WorkflowRecord {
  id: string
  name: string | null
  state: WorkflowState
  onFailure: FailurePolicy
  idempotencyKey: string | null
  tags: string[]
  submitter: string | null
  /** Steps by state. */
  counts: Record<StepState, number>
  createdAt: number
  updatedAt: number
  finishedAt: number | null
}
