import type { TaskError } from '../task/types.ts'
import { MAX_MAP_ITEMS } from './limits.ts'
import { type FailurePolicy, STEP_FINAL_STATES, type StepState, type WorkflowState } from './types.ts'
import type { WorkflowPlan } from './validate.ts'

/**
 * The scheduler's decisions (issue 12), pure: from the plan and the steps' states, what
 * to start, skip and cancel now, and the workflow's state. The engine applies a
 * decision in one store transaction and asks again after each step settles. Each call
 * is linear in steps + edges (one pass in topological order), map decisions O(1).
 */

export interface ScheduleInput {
  plan: Pick<WorkflowPlan, 'steps' | 'graph' | 'order'>
  /** Each step's state by id; a step missing here is `pending`. */
  states: ReadonlyMap<string, StepState>
  onFailure: FailurePolicy
  /** Someone asked to cancel the workflow (set only while it was still running). */
  cancelRequested: boolean
  /** At most this many steps of the workflow running at once (default: no limit). */
  maxRunning?: number | undefined
}

export interface ScheduleDecision {
  /** Pending steps whose dependencies all succeeded: start them, in this order. */
  start: string[]
  /** Pending steps that will never run: a dependency failed, was cancelled or skipped (continue). */
  skip: string[]
  /** Pending and running steps to cancel: the workflow was cancelled, or a step failed under fail-fast. */
  cancel: string[]
  /** The workflow's state once the decision is applied. */
  state: WorkflowState
}

const BLOCKING: ReadonlySet<StepState> = new Set(['failed', 'cancelled', 'skipped'])

export function schedule(input: ScheduleInput): ScheduleDecision {
  const { steps, graph, order } = input.plan
  const states = graph.ids.map((id) => input.states.get(id) ?? 'pending')
  const start: number[] = []
  const skip: string[] = []
  const cancel: string[] = []
  // fail-fast: the first failure cancels everything not yet final. A step cancelled from
  // outside the workflow (its task cancelled directly) counts the same: its dependents
  // can never run.
  const stopAll =
    input.cancelRequested ||
    (input.onFailure === 'fail-fast' && states.some((s) => s === 'failed' || s === 'cancelled'))
  if (stopAll) {
    states.forEach((state, i) => {
      if (state === 'pending' || state === 'running') {
        cancel.push(graph.ids[i] as string)
        states[i] = 'cancelled'
      }
    })
  } else {
    for (const i of order) {
      if (states[i] !== 'pending') continue
      const deps = graph.deps[i] ?? []
      if (deps.some((d) => BLOCKING.has(states[d] as StepState))) {
        // Skipped in topological order, so a skip reaches the whole downstream in one pass.
        states[i] = 'skipped'
        skip.push(graph.ids[i] as string)
      } else if (deps.every((d) => states[d] === 'succeeded')) start.push(i)
    }
  }
  const running = states.filter((s) => s === 'running').length
  const room = Math.max(0, (input.maxRunning ?? Number.POSITIVE_INFINITY) - running)
  const priority = (i: number) => steps[i]?.priority ?? 0
  start.sort((a, b) => priority(b) - priority(a) || a - b)
  const started = start.slice(0, Math.min(room, start.length))
  for (const i of started) states[i] = 'running'
  return {
    start: started.map((i) => graph.ids[i] as string),
    skip,
    cancel,
    state: workflowState(states, input.cancelRequested),
  }
}

/**
 * `running` while a step is not final; then `cancelled` if cancelled by request, else
 * `failed` if a step failed, else `cancelled` if a step was cancelled from outside,
 * else `succeeded` (every step succeeded: a skip only follows a failure or cancel).
 */
export function workflowState(states: readonly StepState[], cancelRequested: boolean): WorkflowState {
  if (states.some((s) => !STEP_FINAL_STATES.has(s))) return 'running'
  if (cancelRequested) return 'cancelled'
  if (states.includes('failed')) return 'failed'
  if (states.includes('cancelled') || states.includes('skipped')) return 'cancelled'
  return 'succeeded'
}

/** A map step's items so far. Items start in list order: items 0 … started-1 have started. */
export interface MapProgress {
  total: number
  started: number
  running: number
  succeeded: number
  /** Items whose task failed after all its attempts. */
  failed: number
  /** Items whose task was cancelled from outside the map. */
  cancelled: number
}

export interface MapDecision {
  /** Start items from, from+1, … (count of them; 0: none). */
  start: { from: number; count: number }
  /** Cancel the items still running: the map has failed or was cancelled. */
  cancelRunning: boolean
  /** The map step's state: it is final as soon as one item fails, under either policy. */
  state: StepState
}

/**
 * What a map step does next: start items up to `parallelism` at once; succeed when
 * every item succeeded (at once for an empty list); fail as soon as an item failed
 * after its retries (the queue retries an item's task, so `failed` is final), cancelling
 * the running items, under `continue` too: the map's output is all its items' outputs,
 * and a hole would give its dependents a wrong list.
 */
export function planMap(progress: MapProgress, parallelism: number): MapDecision {
  const none = { from: progress.started, count: 0 }
  if (progress.failed > 0 || progress.cancelled > 0) {
    return {
      start: none,
      cancelRunning: progress.running > 0,
      state: progress.failed > 0 ? 'failed' : 'cancelled',
    }
  }
  if (progress.succeeded === progress.total) return { start: none, cancelRunning: false, state: 'succeeded' }
  const room = Math.max(0, parallelism - progress.running)
  const count = Math.min(room, progress.total - progress.started)
  return { start: { from: progress.started, count }, cancelRunning: false, state: 'running' }
}

/** The list a map step runs over, or why the value of its `over` is not one. */
export function mapItems(value: unknown): { ok: true; items: unknown[] } | { ok: false; error: TaskError } {
  if (!Array.isArray(value)) {
    const what = value === null ? 'null' : typeof value === 'object' ? 'an object' : `a ${typeof value}`
    return {
      ok: false,
      error: { code: 'INVALID_INPUT', message: `a map runs over a list, and over is ${what}` },
    }
  }
  if (value.length > MAX_MAP_ITEMS) {
    return {
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message: `a map runs over at most ${MAX_MAP_ITEMS} items; over has ${value.length}`,
      },
    }
  }
  return { ok: true, items: value }
}
