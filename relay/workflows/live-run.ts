import { McppError } from '../../shared/errors.ts'
import { workflowState } from '../../shared/workflow/plan.ts'
import {
  type FailurePolicy,
  STEP_FINAL_STATES,
  type StepSpec,
  type StepState,
  type WorkflowState,
} from '../../shared/workflow/types.ts'
import type { WorkflowPlan } from '../../shared/workflow/validate.ts'
import type { StepStateRow, WorkflowStore } from '../task-queue/store/workflow-store.ts'
import type { ItemTally } from './item-tally.ts'

/**
 * A running workflow as the engine follows it between decisions: its plan, policy and
 * submitter, and each step's state without outputs. The store stays the truth; this is
 * what keeps one decision O(what changed) instead of a reload of the whole workflow
 * (a 1,000-step workflow read back 1,000 times made a chain quadratic).
 *
 * It is kept right by marks: every write the engine makes to a step or item goes
 * through the StepRunner (begin, end) or closePending, and every task that settles
 * names its step in its metadata; each marks the step (or item) dirty, and the next
 * decision reads only those rows back. A decision that would end the workflow is
 * checked against the store first (`confirmEnded`), so a missed mark can delay a
 * workflow but never end it wrongly.
 */
export class LiveRun {
  readonly id: string
  readonly plan: WorkflowPlan
  readonly onFailure: FailurePolicy
  readonly submitter: string | null
  readonly specs: ReadonlyMap<string, StepSpec>
  readonly steps = new Map<string, StepStateRow>()
  /** The list each running map step runs over (read again after a restart). */
  readonly lists = new Map<string, unknown[]>()
  /** Running map steps' item counts, read on first use. */
  readonly maps = new Map<string, ItemTally>()
  readonly #dirty = new Set<string>()

  constructor(
    id: string,
    plan: WorkflowPlan,
    onFailure: FailurePolicy,
    submitter: string | null,
    steps: readonly StepStateRow[],
  ) {
    this.id = id
    this.plan = plan
    this.onFailure = onFailure
    this.submitter = submitter
    this.specs = new Map(plan.steps.map((s) => [s.id, s]))
    for (const step of steps) this.steps.set(step.stepId, step)
  }

  /** A step (or one of a map's items) may have changed: read it back before the next decision. */
  mark(stepId: string, index?: number): void {
    if (!this.steps.has(stepId)) return
    if (index === undefined) this.#dirty.add(stepId)
    else this.maps.get(stepId)?.mark(index)
  }

  /** Reads the marked steps back from the store. */
  refresh(store: WorkflowStore): void {
    for (const stepId of this.#dirty) {
      const row = store.stepState(this.id, stepId)
      if (row === undefined) continue
      this.steps.set(stepId, row)
      // A map that ended or started again counts its items afresh.
      if (row.type === 'map' && row.state !== 'running') this.maps.delete(stepId)
    }
    this.#dirty.clear()
  }

  /** Replaces every step's state with the store's (after a decision found them out of date). */
  reload(rows: readonly StepStateRow[]): void {
    for (const row of rows) this.steps.set(row.stepId, row)
    this.maps.clear()
    this.#dirty.clear()
  }

  states(): Map<string, StepState> {
    const states = new Map<string, StepState>()
    for (const [id, step] of this.steps) states.set(id, step.state)
    return states
  }

  state(): WorkflowState {
    return workflowState(
      [...this.steps.values()].map((s) => s.state),
      false,
    )
  }

  /** For progress: how many steps ended, of how many. */
  progress(): { ended: number; total: number } {
    let ended = 0
    for (const step of this.steps.values()) if (STEP_FINAL_STATES.has(step.state)) ended++
    return { ended, total: this.steps.size }
  }
}

/**
 * The running workflows the engine follows, with how many each submitter has: what the
 * limits on running workflows (workflows.maxRunning, .maxRunningPerIdentity) count.
 * Every running workflow is here once the engine started (it resumes them all).
 */
export class LiveRuns {
  readonly #runs = new Map<string, LiveRun>()
  readonly #bySubmitter = new Map<string | null, number>()

  get size(): number {
    return this.#runs.size
  }

  get(id: string): LiveRun | undefined {
    return this.#runs.get(id)
  }

  add(run: LiveRun): void {
    if (this.#runs.has(run.id)) return
    this.#runs.set(run.id, run)
    this.#bySubmitter.set(run.submitter, this.runningOf(run.submitter) + 1)
  }

  delete(id: string): void {
    const run = this.#runs.get(id)
    if (run === undefined) return
    this.#runs.delete(id)
    const left = this.runningOf(run.submitter) - 1
    if (left > 0) this.#bySubmitter.set(run.submitter, left)
    else this.#bySubmitter.delete(run.submitter)
  }

  /** Refuses a new workflow over the operator's limits on running ones (QUOTA_EXCEEDED naming the setting). */
  admit(submitter: string | null, limits: { maxRunning: number; maxRunningPerIdentity: number }): void {
    const { maxRunning, maxRunningPerIdentity } = limits
    const mine = this.runningOf(submitter)
    if (mine >= maxRunningPerIdentity) {
      const who = submitter === null ? 'anonymous callers have' : `"${submitter}" has`
      throw new McppError(
        'QUOTA_EXCEEDED',
        `${who} ${mine} running workflows; the limit is ${maxRunningPerIdentity} (workflows.maxRunningPerIdentity)`,
        { quota: 'workflows.maxRunningPerIdentity', limit: maxRunningPerIdentity, retryAfterSeconds: 1 },
      )
    }
    if (this.size >= maxRunning) {
      throw new McppError(
        'QUOTA_EXCEEDED',
        `this relay runs ${this.size} workflows; the limit is ${maxRunning} (workflows.maxRunning)`,
        { quota: 'workflows.maxRunning', limit: maxRunning, retryAfterSeconds: 1 },
      )
    }
  }

  /** Running workflows of this submitter (null: anonymous callers, who share one count). */
  runningOf(submitter: string | null): number {
    return this.#bySubmitter.get(submitter) ?? 0
  }
}
