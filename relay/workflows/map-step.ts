import type { TaskError } from '../../shared/task/types.ts'
import { mapItems, planMap } from '../../shared/workflow/plan.ts'
import { referencedSteps, resolveRefs } from '../../shared/workflow/refs.ts'
import { stepSettings } from '../../shared/workflow/settings.ts'
import type { MapStep } from '../../shared/workflow/types.ts'
import { TimeSlice } from '../event-loop-turn.ts'
import type { TaskService } from '../task-queue/index.ts'
import type { ItemCounts } from '../task-queue/store/workflow-attempts.ts'
import type { StepStateRow } from '../task-queue/store/workflow-store.ts'
import { ItemTally } from './item-tally.ts'
import type { LiveRun } from './live-run.ts'
import type { StepOutputs } from './step-outputs.ts'
import type { StepRunner, TaskStart } from './step-runner.ts'

/** Item outputs read per page when a map's output is assembled. */
const ITEM_PAGE = 1000

export interface MapRunnerInit {
  tasks: TaskService
  outputs: StepOutputs
  runner: StepRunner
  /** Items one workflow may hold across its maps (workflows.maxItemsPerWorkflow). */
  maxItems: number
}

/**
 * Map steps (issue 12): the list from `over` becomes one item row each (added in the
 * transaction that starts the map, so a crash cannot leave a running map without its
 * items), items start lowest first up to `parallelism` (plan.ts planMap), each like a
 * task or tool step with `$item` resolved, and the map's output is the items' outputs
 * in order.
 */
export class MapRunner {
  readonly #init: MapRunnerInit

  constructor(init: MapRunnerInit) {
    this.#init = init
  }

  /** Starts the map's attempt with its items; a bad `over` fails it at once. */
  async start(live: LiveRun, spec: MapStep, record: StepStateRow) {
    const workflowId = live.id
    const list = await this.#list(live, spec)
    const unit = { workflowId, stepId: spec.id, attempt: record.attempt + 1 }
    if (!list.ok) return this.#init.runner.failAtOnce(unit, list.error)
    const held = this.#init.tasks.workflowSide.store.attempts.itemTotal(workflowId)
    if (held + list.items.length > this.#init.maxItems) {
      live.lists.delete(spec.id)
      return this.#init.runner.failAtOnce(unit, {
        code: 'INVALID_INPUT',
        message: `the map's ${list.items.length} items would make the workflow hold ${held + list.items.length}; the limit is ${this.#init.maxItems} (workflows.maxItemsPerWorkflow)`,
      })
    }
    this.#init.tasks.workflowSide.transaction(() => {
      if (this.#init.runner.begin(unit))
        this.#init.tasks.workflowSide.store.attempts.addItems(workflowId, spec.id, list.items.length)
    })
  }

  /** Starts the next items, or ends the map when its items decide it. True when something changed. */
  async advance(live: LiveRun, spec: MapStep, record: StepStateRow): Promise<boolean> {
    const { attempts } = this.#init.tasks.workflowSide.store
    const workflowId = live.id
    const { plan, submitter } = live
    const settings = stepSettings(spec)
    let tally = live.maps.get(spec.id)
    if (tally === undefined) {
      tally = new ItemTally(workflowId, spec.id, attempts)
      live.maps.set(spec.id, tally)
    } else tally.refresh(attempts)
    let decision = decide(tally.counts, settings.parallelism)
    if (decision.state !== 'running') {
      // The map ends only on the store's own counts.
      tally = new ItemTally(workflowId, spec.id, attempts)
      live.maps.set(spec.id, tally)
      decision = decide(tally.counts, settings.parallelism)
    }
    const { counts } = tally
    const unit = { workflowId, stepId: spec.id, attempt: record.attempt }
    if (decision.state === 'succeeded') {
      const outputs = await this.#outputs(workflowId, spec.id, counts.total)
      const stored = await this.#init.outputs.store(outputs, plan.cidTargets.has(spec.id))
      live.lists.delete(spec.id)
      return this.#init.runner.end(unit, { state: 'succeeded', ...stored })
    }
    if (decision.state === 'failed' || decision.state === 'cancelled') {
      // The item that decided it, named before the others are stopped.
      const error = this.#firstError(workflowId, spec.id) ?? {
        code: 'CANCELLED',
        message: 'a map item was cancelled',
      }
      this.stopItems(workflowId, spec.id, 'a map item failed')
      live.lists.delete(spec.id)
      return this.#init.runner.end(
        unit,
        decision.state === 'failed' ? { state: 'failed', error, final: true } : { state: 'cancelled', error },
      )
    }
    if (decision.start.count === 0) return false
    const list = await this.#list(live, spec)
    if (!list.ok) return this.#init.runner.end(unit, { state: 'failed', error: list.error, final: true })
    let changed = false
    const outputs = await this.#init.outputs.forRefs(this.#reader(workflowId), refsOf(spec), plan.cidTargets)
    const slice = new TimeSlice()
    const tasks: TaskStart[] = []
    for (const index of attempts.pendingItems(workflowId, spec.id, decision.start.count)) {
      await slice.pause()
      const item = attempts.itemState(workflowId, spec.id, index)
      if (item === undefined) continue
      const itemUnit = { workflowId, stepId: spec.id, index, attempt: item.attempt + 1 }
      const body = spec.do
      const context = { outputs, item: { value: list.items[index] } }
      const resolved = resolveRefs(body.type === 'task' ? body.input : body.params, context)
      if (!resolved.ok) this.#init.runner.failAtOnce(itemUnit, resolved.error)
      else if (body.type === 'task') tasks.push({ unit: itemUnit, body, input: resolved.value, settings })
      else this.#init.runner.startTool(itemUnit, body, resolved.value ?? {}, settings, submitter, false)
      changed = true
    }
    await this.#init.runner.startTasks(tasks, submitter)
    return changed
  }

  /**
   * The map stops: its pending items are cancelled (they will never run), and its
   * running items too: their tasks on workers, their tool calls by signal.
   */
  stopItems(workflowId: string, stepId: string, reason: string): void {
    const { attempts } = this.#init.tasks.workflowSide.store
    attempts.closePendingItems(workflowId, stepId, { code: 'CANCELLED', message: reason })
    for (let from = 0; ; from += ITEM_PAGE) {
      const page = attempts.items(workflowId, stepId, from, ITEM_PAGE)
      for (const item of page) {
        if (item.state !== 'running') continue
        if (item.taskId !== null) this.#init.tasks.cancel(item.taskId, reason)
        else this.#init.runner.abort(workflowId, stepId, item.index)
      }
      if (page.length < ITEM_PAGE) return
    }
  }

  async #outputs(workflowId: string, stepId: string, total: number): Promise<unknown[]> {
    const { attempts } = this.#init.tasks.workflowSide.store
    const out: unknown[] = []
    for (let from = 0; from < total; from += ITEM_PAGE) {
      for (const item of attempts.items(workflowId, stepId, from, ITEM_PAGE))
        out.push(await this.#init.outputs.load(item))
    }
    return out
  }

  #firstError(workflowId: string, stepId: string): TaskError | undefined {
    const { attempts } = this.#init.tasks.workflowSide.store
    for (let from = 0; ; from += ITEM_PAGE) {
      const page = attempts.items(workflowId, stepId, from, ITEM_PAGE)
      const failed = page.find((i) => i.state === 'failed' || i.state === 'cancelled')
      if (failed?.error) return { ...failed.error, message: `item ${failed.index}: ${failed.error.message}` }
      if (page.length < ITEM_PAGE) return undefined
    }
  }

  #reader(workflowId: string) {
    return (stepId: string) => this.#init.tasks.workflowSide.store.attempts.step(workflowId, stepId)
  }

  async #list(live: LiveRun, spec: MapStep) {
    const workflowId = live.id
    const cached = live.lists.get(spec.id)
    if (cached !== undefined) return { ok: true as const, items: cached }
    const outputs = await this.#init.outputs.forRefs(this.#reader(workflowId), [spec.over.$ref], new Set())
    const resolved = resolveRefs(spec.over, { outputs })
    if (!resolved.ok) return resolved
    const list = mapItems(resolved.value)
    if (list.ok) live.lists.set(spec.id, list.items)
    return list
  }
}

function decide(counts: ItemCounts, parallelism: number) {
  return planMap({ ...counts, started: counts.total - counts.pending }, parallelism)
}

/** The steps a map's template reads (besides the item). */
function refsOf(spec: MapStep): string[] {
  return referencedSteps(spec.do.type === 'task' ? spec.do.input : spec.do.params)
}
