import { McppError } from '../../shared/errors.ts'
import type { LifecyclePart } from '../../shared/startable.ts'
import type { TaskRecord } from '../../shared/task/types.ts'
import type { ToolRegistry } from '../../shared/tool/registry.ts'
import type { CallerInfo } from '../../shared/tool/types.ts'
import type { DagView } from '../../shared/workflow/dag-render.ts'
import { schedule, workflowState } from '../../shared/workflow/plan.ts'
import { referencedSteps, resolveRefs } from '../../shared/workflow/refs.ts'
import { stepSettings } from '../../shared/workflow/settings.ts'
import type { ParsedWorkflowSpec } from '../../shared/workflow/spec-schema.ts'
import type { StepSpec, WorkflowSpec, WorkflowState } from '../../shared/workflow/types.ts'
import { validateWorkflow, type WorkflowPlan, workflowRejected } from '../../shared/workflow/validate.ts'
import { TimeSlice } from '../event-loop-turn.ts'
import type { ForwardingService } from '../forwarding/index.ts'
import type { Logger } from '../log.ts'
import type { ContentStore } from '../p2p/content-store.ts'
import type { RelayInfo } from '../p2p/relay-directory.ts'
import type { RouterExecutor } from '../router/executor.ts'
import type { TaskService } from '../task-queue/index.ts'
import type {
  StepStateRow,
  WorkflowDetail,
  WorkflowListFilter,
  WorkflowPage,
} from '../task-queue/store/workflow-store.ts'
import { AdvanceTriggers } from './advance-triggers.ts'
import { relayCatalog, TRUSTED_CATALOG } from './catalog.ts'
import { dagView } from './dag-view.ts'
import { LiveRun, LiveRuns } from './live-run.ts'
import { MapRunner } from './map-step.ts'
import { placementReport } from './placement.ts'
import { resumeRunning } from './resume.ts'
import { StepOutputs } from './step-outputs.ts'
import { StepRunner, TASK_BATCH, type TaskStart } from './step-runner.ts'
import { type StopDeps, stopRunning } from './stop-running.ts'
import { WorkflowWatchers } from './workflow-watchers.ts'
import type { WorkflowPlacementReport, WorkflowProgress, WorkflowStatus, Workflows } from './workflows.ts'

export interface WorkflowEngineInit {
  tasks: TaskService
  registry: ToolRegistry
  executor: RouterExecutor
  content: ContentStore
  forwarding: ForwardingService
  /** The relays the directory knows now (undefined while libp2p is not running). */
  relays: () => readonly RelayInfo[] | undefined
  /** The operator's limits (config `workflows`). */
  limits: WorkflowLimits
  log: Logger
  now: () => number
}

export interface WorkflowLimits {
  maxRunning: number
  maxRunningPerIdentity: number
  maxItemsPerWorkflow: number
}

/** Passes of one advance: each pass applies one schedule decision; a chain of instant failures needs several. */
const MAX_PASSES = 1000

/**
 * The relay's workflow engine (issue 12), a lifecycle part after the task queue and
 * libp2p: on start it resumes every running workflow, then it follows the queue's
 * settled tasks and the tool calls it started, and after each change asks the pure
 * scheduler (shared/workflow/plan.ts) what to start, skip and cancel. All state is in
 * the task queue's SQLite file; memory holds what a decision needs (LiveRun: plans and
 * step states without outputs), map lists and running calls.
 */
export class WorkflowEngine implements Workflows, LifecyclePart {
  readonly name = 'workflows'
  readonly #init: WorkflowEngineInit
  readonly #outputs: StepOutputs
  readonly #runner: StepRunner
  readonly #maps: MapRunner
  /** The running workflows this engine follows (loaded on first advance, dropped when they end). */
  readonly #live = new LiveRuns()
  readonly #advancing = new Map<string, Promise<void>>()
  readonly #dirty = new Set<string>()
  readonly #watchers = new WorkflowWatchers({
    status: (id) => this.status(id),
    progress: (id) => this.#live.get(id)?.progress(),
  })
  readonly #triggers = new AdvanceTriggers((id) => void this.advance(id))
  #started = false
  #stopped = false

  constructor(init: WorkflowEngineInit) {
    this.#init = init
    this.#outputs = new StepOutputs(init.content)
    this.#runner = new StepRunner({
      ...init,
      outputs: this.#outputs,
      touched: (unit) => this.#live.get(unit.workflowId)?.mark(unit.stepId, unit.index),
      changed: (id) => void this.advance(id),
      deferred: (id, ms) => {
        if (this.#triggers.retryLater(id, ms))
          init.log.info('workflow waits for the task quota', { workflowId: id, retryAfterMs: ms })
      },
    })
    this.#maps = new MapRunner({
      tasks: init.tasks,
      outputs: this.#outputs,
      runner: this.#runner,
      maxItems: init.limits.maxItemsPerWorkflow,
    })
    init.tasks.workflowSide.onSettled((task) => this.#onSettled(task))
  }

  async start(): Promise<void> {
    this.#started = true
    const ids = resumeRunning(this.#init.tasks.workflowSide.store, this.#init.log)
    await Promise.all(ids.map((id) => this.advance(id)))
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#triggers.stop()
    this.#runner.stop()
    await Promise.allSettled([...this.#advancing.values()])
  }

  async submit(
    spec: ParsedWorkflowSpec,
    caller: CallerInfo,
  ): Promise<{ status: WorkflowStatus; created: boolean }> {
    const checked = validateWorkflow(spec, relayCatalog(this.#init.registry, this.#init.tasks))
    if (!checked.ok) throw workflowRejected(checked.errors, checked.omitted)
    const { workflow, created } = this.#store.insert({
      spec,
      steps: spec.steps.map((s) => ({ id: s.id, type: s.type, maxAttempts: stepSettings(s).maxAttempts })),
      submitter: caller.identity ?? null,
      admit: () => this.#live.admit(caller.identity ?? null, this.#init.limits),
    })
    if (created) {
      const steps = spec.steps.map((s) => ({
        stepId: s.id,
        type: s.type,
        state: 'pending' as const,
        attempt: 0,
        taskId: null,
      }))
      this.#live.add(new LiveRun(workflow.id, checked.plan, workflow.onFailure, workflow.submitter, steps))
      await this.advance(workflow.id)
    }
    return { status: this.status(workflow.id), created }
  }

  status(id: string): WorkflowStatus {
    const { workflow, steps } = this.#require(id)
    return { workflow, steps }
  }

  list(filter: WorkflowListFilter): WorkflowPage {
    return this.#store.list(filter)
  }

  wait(
    id: string,
    options: { timeoutMs: number; signal?: AbortSignal; onChange?: (progress: WorkflowProgress) => void },
  ): Promise<{ status: WorkflowStatus; timedOut: boolean }> {
    return this.#watchers.wait(id, options)
  }

  async cancel(id: string, reason: string): Promise<{ status: WorkflowStatus; cancelled: boolean }> {
    // A cancel that comes after the last step settled (its task's trigger moved the step)
    // but before the advance that ends the workflow would mark a workflow whose steps all
    // succeeded `cancelled` (issue 12: cancel racing completion ends as one or the other).
    // Such a workflow ends with its steps' state instead, in the cancel's transaction.
    const outcome = this.#init.tasks.workflowSide.transaction(() => {
      const ended = this.#endedState(id)
      if (ended === undefined) return { result: this.#store.cancel(id) }
      this.#store.finish(id, ended)
      return { ended }
    })
    if (outcome.result === undefined) {
      this.#live.delete(id)
      this.#watchers.notify(id)
      return { status: this.status(id), cancelled: false }
    }
    const { result } = outcome
    if (!result.ok) {
      if (result.reason === 'not_found') throw notFound(id)
      return { status: this.status(id), cancelled: false }
    }
    stopRunning(this.#stopDeps, id, result.running, reason)
    this.#live.delete(id)
    this.#watchers.notify(id)
    return { status: this.status(id), cancelled: true }
  }

  dag(id: string): DagView {
    const detail = this.#require(id)
    return dagView(detail, this.#planOf(id, detail.spec))
  }

  async coordinate(id: string, options: { rebalance: boolean }): Promise<WorkflowPlacementReport> {
    const detail = this.#require(id)
    return placementReport(detail, this.#planOf(id, detail.spec), options, this.#init)
  }

  /**
   * Applies the scheduler's decisions to one workflow until nothing changes. Calls for
   * the same workflow never overlap: one asked for while another runs makes it pass
   * again, and both callers get the same promise.
   */
  advance(id: string): Promise<void> {
    const running = this.#advancing.get(id)
    if (running !== undefined) {
      this.#dirty.add(id)
      return running
    }
    const pass = (async () => {
      for (let i = 0; i < MAX_PASSES && !this.#stopped; i++) {
        this.#dirty.delete(id)
        const changed = await this.#advanceOnce(id)
        if (!changed && !this.#dirty.has(id)) break
      }
    })()
      .catch((err: unknown) =>
        this.#init.log.error('a workflow could not advance', { workflowId: id, error: String(err) }),
      )
      .finally(() => {
        this.#advancing.delete(id)
        this.#watchers.notify(id)
      })
    this.#advancing.set(id, pass)
    return pass
  }

  get #stopDeps(): StopDeps {
    return { tasks: this.#init.tasks, runner: this.#runner, maps: this.#maps }
  }

  get #store() {
    return this.#init.tasks.workflowSide.store
  }

  /** One pass: running maps, then the schedule's skips, cancels and starts, then the workflow's end. */
  async #advanceOnce(id: string): Promise<boolean> {
    const live = this.#liveOf(id)
    if (live === undefined) return false
    live.refresh(this.#store)
    let changed = false
    for (const step of [...live.steps.values()]) {
      const spec = live.specs.get(step.stepId)
      if (spec?.type !== 'map' || step.state !== 'running') continue
      changed = (await this.#maps.advance(live, spec, step)) || changed
    }
    live.refresh(this.#store)
    const decision = schedule({
      plan: live.plan,
      states: live.states(),
      onFailure: live.onFailure,
      cancelRequested: false,
    })
    if (decision.skip.length > 0) {
      const error = { code: 'CANCELLED' as const, message: 'a step it depends on did not succeed' }
      const closed = this.#store.attempts.closePending(id, decision.skip, 'skipped', error)
      for (const step of closed) live.mark(step.stepId)
      changed = closed.length > 0 || changed
    }
    if (decision.cancel.length > 0) {
      this.#failFast(live, decision.cancel)
      changed = true
    }
    const slice = new TimeSlice()
    const tasks: TaskStart[] = []
    for (const stepId of decision.start) {
      const spec = live.specs.get(stepId)
      const record = live.steps.get(stepId)
      if (spec === undefined || record === undefined || this.#stopped) continue
      await this.#startStep(live, spec, record, tasks)
      changed = true
      if (tasks.length >= TASK_BATCH) await this.#runner.startTasks(tasks.splice(0), live.submitter)
      await slice.pause()
    }
    await this.#runner.startTasks(tasks, live.submitter)
    live.refresh(this.#store)
    if (live.state() !== 'running') changed = this.#finish(live) || changed
    this.#watchers.notify(id)
    return changed
  }

  /**
   * The steps all ended: the workflow ends with their state, read from the store (a
   * step this engine has out of date makes it decide again instead). True when the
   * engine's copy was out of date.
   */
  #finish(live: LiveRun): boolean {
    const rows = this.#store.stepStates(live.id)
    const state = workflowState(
      rows.map((r) => r.state),
      false,
    )
    if (state === 'running') {
      live.reload(rows)
      return true
    }
    this.#store.finish(live.id, state)
    this.#live.delete(live.id)
    return false
  }

  /** Starts a tool or map step; a task step's start is added to `tasks`, to be queued with others. */
  async #startStep(live: LiveRun, spec: StepSpec, record: StepStateRow, tasks: TaskStart[]): Promise<void> {
    if (spec.type === 'map') return this.#maps.start(live, spec, record)
    const { id, plan, submitter } = live
    const unit = { workflowId: id, stepId: spec.id, attempt: record.attempt + 1 }
    const body = spec.type === 'task' ? spec.input : spec.params
    const read = (stepId: string) => this.#store.attempts.step(id, stepId)
    const outputs = await this.#outputs.forRefs(read, referencedSteps(body), plan.cidTargets)
    const resolved = resolveRefs(body, { outputs })
    if (!resolved.ok) return this.#runner.failAtOnce(unit, resolved.error)
    const settings = stepSettings(spec)
    if (spec.type === 'task') tasks.push({ unit, body: spec, input: resolved.value, settings })
    else
      this.#runner.startTool(
        unit,
        spec,
        resolved.value ?? {},
        settings,
        submitter,
        plan.cidTargets.has(spec.id),
      )
  }

  /** fail-fast: pending steps are cancelled, running ones stopped (their tasks cancelled, calls aborted). */
  #failFast(live: LiveRun, stepIds: readonly string[]): void {
    const error = { code: 'CANCELLED' as const, message: 'another step failed (fail-fast)' }
    this.#store.attempts.closePending(live.id, stepIds, 'cancelled', error)
    for (const stepId of stepIds) live.mark(stepId)
    const running = stepIds
      .map((s) => live.steps.get(s))
      .filter((s): s is StepStateRow => s?.state === 'running')
    stopRunning(this.#stopDeps, live.id, running, error.message)
  }

  /** The end state of a running workflow whose steps have all ended; undefined otherwise. */
  #endedState(id: string): Exclude<WorkflowState, 'running'> | undefined {
    const steps = this.#store.stepStates(id)
    if (steps.length === 0) return undefined
    const state = workflowState(
      steps.map((s) => s.state),
      false,
    )
    return state === 'running' ? undefined : state
  }

  /** A task settled: when it is a step's (its metadata names it), that step is read back and the workflow advanced. */
  #onSettled(task: TaskRecord): void {
    const { workflowId, stepId, index } = task.metadata
    if (typeof workflowId !== 'string' || !this.#started) return
    if (typeof stepId === 'string')
      this.#live.get(workflowId)?.mark(stepId, Number.isSafeInteger(index) ? (index as number) : undefined)
    this.#triggers.settled(workflowId)
  }

  #require(id: string): WorkflowDetail {
    const detail = this.#store.get(id)
    if (detail === undefined) throw notFound(id)
    return detail
  }

  #planOf(id: string, spec: WorkflowSpec): WorkflowPlan {
    const live = this.#live.get(id)
    if (live !== undefined) return live.plan
    const checked = validateWorkflow(spec, TRUSTED_CATALOG)
    if (!checked.ok)
      throw new McppError('BAD_DATA', `the stored workflow ${id} no longer validates`, { workflowId: id })
    return checked.plan
  }

  /** The running workflow as this engine follows it, read from the store the first time; undefined once it ended. */
  #liveOf(id: string): LiveRun | undefined {
    const cached = this.#live.get(id)
    if (cached !== undefined) return cached
    const running = this.#store.running(id)
    if (running === undefined) return undefined
    const live = new LiveRun(
      id,
      this.#planOf(id, running.spec),
      running.onFailure,
      running.submitter,
      running.steps,
    )
    this.#live.add(live)
    return live
  }
}

function notFound(id: string): McppError {
  return new McppError('NOT_FOUND', `no workflow with id "${id}"`, { workflowId: id })
}
