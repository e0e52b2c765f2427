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
import type { StepRecord, StepSpec, WorkflowSpec, WorkflowState } from '../../shared/workflow/types.ts'
import { validateWorkflow, type WorkflowPlan, workflowRejected } from '../../shared/workflow/validate.ts'
import type { ForwardingService } from '../forwarding/index.ts'
import type { Logger } from '../log.ts'
import type { ContentStore } from '../p2p/content-store.ts'
import type { RelayInfo } from '../p2p/relay-directory.ts'
import type { RouterExecutor } from '../router/executor.ts'
import type { TaskService } from '../task-queue/index.ts'
import type { WorkflowDetail, WorkflowListFilter, WorkflowPage } from '../task-queue/store/workflow-store.ts'
import { AdvanceTriggers } from './advance-triggers.ts'
import { relayCatalog, TRUSTED_CATALOG } from './catalog.ts'
import { dagView } from './dag-view.ts'
import { MapRunner } from './map-step.ts'
import { placementReport } from './placement.ts'
import { resumeRunning } from './resume.ts'
import { StepOutputs } from './step-outputs.ts'
import { StepRunner } from './step-runner.ts'
import type { WorkflowPlacementReport, WorkflowStatus, Workflows } from './workflows.ts'

export interface WorkflowEngineInit {
  tasks: TaskService
  registry: ToolRegistry
  executor: RouterExecutor
  content: ContentStore
  forwarding: ForwardingService
  /** The relays the directory knows now (undefined while libp2p is not running). */
  relays: () => readonly RelayInfo[] | undefined
  log: Logger
  now: () => number
}

/** Passes of one advance: each pass applies one schedule decision; a chain of instant failures needs several. */
const MAX_PASSES = 1000

/**
 * The relay's workflow engine (issue 12), a lifecycle part after the task queue and
 * libp2p: on start it resumes every running workflow, then it follows the queue's
 * settled tasks and the tool calls it started, and after each change asks the pure
 * scheduler (shared/workflow/plan.ts) what to start, skip and cancel. All state is in
 * the task queue's SQLite file; memory holds only plans, map lists and running calls.
 */
export class WorkflowEngine implements Workflows, LifecyclePart {
  readonly name = 'workflows'
  readonly #init: WorkflowEngineInit
  readonly #outputs: StepOutputs
  readonly #runner: StepRunner
  readonly #maps: MapRunner
  readonly #plans = new Map<string, WorkflowPlan>()
  readonly #advancing = new Map<string, Promise<void>>()
  readonly #dirty = new Set<string>()
  readonly #watchers = new Map<string, Set<() => void>>()
  readonly #triggers = new AdvanceTriggers((id) => void this.advance(id))
  #started = false
  #stopped = false

  constructor(init: WorkflowEngineInit) {
    this.#init = init
    this.#outputs = new StepOutputs(init.content)
    this.#runner = new StepRunner({
      ...init,
      outputs: this.#outputs,
      changed: (id) => void this.advance(id),
      deferred: (id, ms) => {
        if (this.#triggers.retryLater(id, ms))
          init.log.info('workflow waits for the task quota', { workflowId: id, retryAfterMs: ms })
      },
    })
    this.#maps = new MapRunner({ tasks: init.tasks, outputs: this.#outputs, runner: this.#runner })
    init.tasks.onSettled((task) => this.#onSettled(task))
  }

  async start(): Promise<void> {
    this.#started = true
    const ids = resumeRunning(this.#init.tasks.workflows, this.#init.log)
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
    })
    if (created) {
      this.#plans.set(workflow.id, checked.plan)
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
    options: { timeoutMs: number; signal?: AbortSignal; onChange?: (status: WorkflowStatus) => void },
  ): Promise<{ status: WorkflowStatus; timedOut: boolean }> {
    const first = this.status(id)
    if (first.workflow.state !== 'running') return Promise.resolve({ status: first, timedOut: false })
    return new Promise((resolve) => {
      const watchers = this.#watchers.get(id) ?? new Set()
      this.#watchers.set(id, watchers)
      const done = (timedOut: boolean) => {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', aborted)
        watchers.delete(changed)
        if (watchers.size === 0) this.#watchers.delete(id)
        resolve({ status: this.status(id), timedOut })
      }
      const changed = () => {
        const status = this.status(id)
        options.onChange?.(status)
        if (status.workflow.state !== 'running') done(false)
      }
      const aborted = () => done(true)
      const timer = setTimeout(() => done(true), options.timeoutMs)
      watchers.add(changed)
      if (options.signal?.aborted) done(true)
      else options.signal?.addEventListener('abort', aborted, { once: true })
    })
  }

  async cancel(id: string, reason: string): Promise<{ status: WorkflowStatus; cancelled: boolean }> {
    // A cancel that comes after the last step settled (its task's trigger moved the step)
    // but before the advance that ends the workflow would mark a workflow whose steps all
    // succeeded `cancelled` (issue 12: cancel racing completion ends as one or the other).
    // Such a workflow ends with its steps' state instead, in the cancel's transaction.
    const outcome = this.#init.tasks.transaction(() => {
      const ended = this.#endedState(id)
      if (ended === undefined) return { result: this.#store.cancel(id) }
      this.#store.finish(id, ended)
      return { ended }
    })
    if (outcome.result === undefined) {
      this.#plans.delete(id)
      this.#notify(id)
      return { status: this.status(id), cancelled: false }
    }
    const { result } = outcome
    if (!result.ok) {
      if (result.reason === 'not_found') throw notFound(id)
      return { status: this.status(id), cancelled: false }
    }
    this.#stopRunning(id, result.running, reason)
    this.#notify(id)
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
        this.#notify(id)
      })
    this.#advancing.set(id, pass)
    return pass
  }

  get #store() {
    return this.#init.tasks.workflows
  }

  /** One pass: running maps, then the schedule's skips, cancels and starts, then the workflow's end. */
  async #advanceOnce(id: string): Promise<boolean> {
    let detail = this.#store.get(id)
    if (detail === undefined || detail.workflow.state !== 'running') {
      this.#plans.delete(id)
      return false
    }
    const plan = this.#planOf(id, detail.spec)
    const specs = new Map(plan.steps.map((s) => [s.id, s]))
    let changed = false
    let steps = new Map(detail.steps.map((s) => [s.stepId, s]))
    for (const step of detail.steps) {
      const spec = specs.get(step.stepId)
      if (spec?.type !== 'map' || step.state !== 'running') continue
      changed = (await this.#maps.advance(id, spec, step, steps, plan, detail.workflow.submitter)) || changed
    }
    if (changed) {
      detail = this.#store.get(id) as WorkflowDetail
      steps = new Map(detail.steps.map((s) => [s.stepId, s]))
    }
    const decision = schedule({
      plan,
      states: new Map(detail.steps.map((s) => [s.stepId, s.state])),
      onFailure: detail.workflow.onFailure,
      cancelRequested: false,
    })
    if (decision.skip.length > 0) {
      const error = { code: 'CANCELLED' as const, message: 'a step it depends on did not succeed' }
      changed = this.#store.attempts.closePending(id, decision.skip, 'skipped', error).length > 0 || changed
    }
    if (decision.cancel.length > 0) {
      this.#failFast(id, decision.cancel, steps)
      changed = true
    }
    for (const stepId of decision.start) {
      const spec = specs.get(stepId)
      const record = steps.get(stepId)
      if (spec === undefined || record === undefined) continue
      await this.#startStep(id, spec, record, steps, plan, detail.workflow.submitter)
      changed = true
    }
    const after = this.#store.get(id)
    const state =
      after === undefined
        ? 'running'
        : workflowState(
            after.steps.map((s) => s.state),
            false,
          )
    if (state !== 'running') {
      this.#store.finish(id, state)
      this.#plans.delete(id)
    }
    this.#notify(id)
    return changed
  }

  async #startStep(
    id: string,
    spec: StepSpec,
    record: StepRecord,
    steps: ReadonlyMap<string, StepRecord>,
    plan: WorkflowPlan,
    submitter: string | null,
  ): Promise<void> {
    if (spec.type === 'map') return this.#maps.start(id, spec, record, steps)
    const unit = { workflowId: id, stepId: spec.id, attempt: record.attempt + 1 }
    const body = spec.type === 'task' ? spec.input : spec.params
    const outputs = await this.#outputs.forRefs(steps, referencedSteps(body), plan.cidTargets)
    const resolved = resolveRefs(body, { outputs })
    if (!resolved.ok) return this.#runner.failAtOnce(unit, resolved.error)
    const settings = stepSettings(spec)
    if (spec.type === 'task') await this.#runner.startTask(unit, spec, resolved.value, settings, submitter)
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
  #failFast(id: string, stepIds: readonly string[], steps: ReadonlyMap<string, StepRecord>): void {
    const error = { code: 'CANCELLED' as const, message: 'another step failed (fail-fast)' }
    this.#store.attempts.closePending(id, stepIds, 'cancelled', error)
    const running = stepIds
      .map((s) => steps.get(s))
      .filter((s): s is StepRecord => s?.state === 'running')
      .map((s) => ({ stepId: s.stepId, attempt: s.attempt, taskId: s.taskId, type: s.type }))
    this.#stopRunning(id, running, error.message)
  }

  /** Stops running attempts: tasks through the queue (their trigger ends the step), calls by signal, maps by their items. */
  #stopRunning(
    id: string,
    running: ReadonlyArray<{
      stepId: string
      index?: number
      attempt: number
      taskId: string | null
      type?: string
    }>,
    reason: string,
  ): void {
    for (const r of running) {
      if (r.type === 'map') continue
      if (r.taskId !== null) this.#init.tasks.cancel(r.taskId, reason)
      else if (!this.#runner.abort(id, r.stepId, r.index)) {
        // No call runs for it in this process (it ended meanwhile): end the attempt here.
        const unit = { workflowId: id, stepId: r.stepId, index: r.index, attempt: r.attempt }
        this.#runner.end(unit, { state: 'cancelled' })
      }
    }
    // Map steps themselves (the store lists only their items as running work).
    for (const step of this.#store.get(id)?.steps ?? []) {
      if (step.type !== 'map' || step.state !== 'running') continue
      this.#maps.stopItems(id, step.stepId, reason)
      this.#runner.end({ workflowId: id, stepId: step.stepId, attempt: step.attempt }, { state: 'cancelled' })
    }
  }

  /** The end state of a running workflow whose steps have all ended; undefined otherwise. */
  #endedState(id: string): Exclude<WorkflowState, 'running'> | undefined {
    const detail = this.#store.get(id)
    if (detail?.workflow.state !== 'running') return undefined
    const state = workflowState(
      detail.steps.map((s) => s.state),
      false,
    )
    return state === 'running' ? undefined : state
  }

  #onSettled(task: TaskRecord): void {
    const id = task.metadata.workflowId
    if (typeof id === 'string' && this.#started) this.#triggers.settled(id)
  }

  #notify(id: string): void {
    for (const watcher of [...(this.#watchers.get(id) ?? [])]) watcher()
  }

  #require(id: string): WorkflowDetail {
    const detail = this.#store.get(id)
    if (detail === undefined) throw notFound(id)
    return detail
  }

  #planOf(id: string, spec: WorkflowSpec): WorkflowPlan {
    const cached = this.#plans.get(id)
    if (cached !== undefined) return cached
    const checked = validateWorkflow(spec, TRUSTED_CATALOG)
    if (!checked.ok)
      throw new McppError('BAD_DATA', `the stored workflow ${id} no longer validates`, { workflowId: id })
    this.#plans.set(id, checked.plan)
    return checked.plan
  }
}

function notFound(id: string): McppError {
  return new McppError('NOT_FOUND', `no workflow with id "${id}"`, { workflowId: id })
}
