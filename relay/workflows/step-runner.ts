import { McppError, toMcppError } from '../../shared/errors.ts'
import type { TaskError, TaskSpec } from '../../shared/task/types.ts'
import type { ToolRegistry } from '../../shared/tool/registry.ts'
import type { ToolContext } from '../../shared/tool/types.ts'
import type { StepSettings } from '../../shared/workflow/settings.ts'
import type { TaskStep, ToolStep } from '../../shared/workflow/types.ts'
import type { Logger } from '../log.ts'
import type { RouterExecutor } from '../router/executor.ts'
import type { TaskService } from '../task-queue/index.ts'
import type { AttemptOutcome, AttemptStart } from '../task-queue/store/workflow-attempts.ts'
import type { StepOutputs } from './step-outputs.ts'

/** One attempt of a step, or of one item of a map step (`index`). */
export interface Unit {
  workflowId: string
  stepId: string
  index?: number | undefined
  attempt: number
}

export type TaskBody = Omit<TaskStep, 'id' | 'after'>

/** An attempt's task to queue: its step's (or map item's) body with references resolved. */
export interface TaskStart {
  unit: Unit
  body: TaskBody
  input: unknown
  settings: StepSettings
}
export type ToolBody = Omit<ToolStep, 'id' | 'after'>

export interface StepRunnerInit {
  tasks: TaskService
  executor: RouterExecutor
  registry: ToolRegistry
  outputs: StepOutputs
  log: Logger
  /** A step's or item's row was written (or a write was refused): the engine reads it back. */
  touched: (unit: Unit) => void
  /** Something about this workflow changed outside an advance (a tool call ended). */
  changed: (workflowId: string) => void
  /** A step's task could not be queued yet (the submitter's task quota is full): advance again later. */
  deferred: (workflowId: string, retryAfterMs: number) => void
}

/** The tool the steps' tasks are submitted as (the trust policy matches tools by name). */
const SUBMITTING_TOOL = 'p2p_workflow_submit'

/** Step tasks queued per transaction when many start at once. */
export const TASK_BATCH = 256

/** Thrown inside the submit transaction when the step may not start: the task is rolled back. */
class StartRefused extends Error {}

/** Why a call was aborted: the workflow was cancelled (or failed fast), or the relay stops. */
type AbortWhy = 'cancelled' | 'stopping'

/**
 * Starts attempts of task and tool steps (and of map items) and records how they end
 * (issue 12). A task step's attempt and its task commit in one transaction and the
 * queue retries nothing (maxAttempts 1): retries belong to the step, whose row the
 * task's settlement moves (the store's trigger). A tool call runs through the router
 * with an AbortSignal for its timeout and for cancellation; its end is written under
 * its attempt, so a late end of an older attempt is refused by the store's fence.
 */
export class StepRunner {
  readonly #init: StepRunnerInit
  readonly #calls = new Map<string, AbortController>()
  #stopped = false

  constructor(init: StepRunnerInit) {
    this.#init = init
  }

  /** Attempt `unit.attempt` begins, in the caller's transaction when there is one. */
  begin(unit: Unit, start: AttemptStart = {}): boolean {
    const { attempts } = this.#init.tasks.workflowSide.store
    const result =
      unit.index === undefined
        ? attempts.startStep(unit.workflowId, unit.stepId, unit.attempt, start)
        : attempts.startItem(unit.workflowId, unit.stepId, unit.index, unit.attempt, start)
    this.#init.touched(unit)
    return result.ok
  }

  /** Attempt `unit.attempt` ended; false when the store refused it (a stale attempt). */
  end(unit: Unit, outcome: AttemptOutcome): boolean {
    const { attempts } = this.#init.tasks.workflowSide.store
    const result =
      unit.index === undefined
        ? attempts.finishStep(unit.workflowId, unit.stepId, unit.attempt, outcome)
        : attempts.finishItem(unit.workflowId, unit.stepId, unit.index, unit.attempt, outcome)
    this.#init.touched(unit)
    return result.ok
  }

  /** The attempt fails before anything ran (a reference that does not resolve): no retry helps. */
  failAtOnce(unit: Unit, error: TaskError): void {
    this.#init.tasks.workflowSide.transaction(() => {
      if (this.begin(unit)) this.end(unit, { state: 'failed', error, final: true })
    })
  }

  /** Queues the attempt's task with the step's attempt, in one transaction. False if the step may not start. */
  async startTask(
    unit: Unit,
    body: TaskBody,
    input: unknown,
    settings: StepSettings,
    submitter: string | null,
  ): Promise<boolean> {
    try {
      await this.#submit([{ unit, body, input, settings }], submitter)
      return true
    } catch (err) {
      if (err instanceof StartRefused) return false
      // Over the submitter's task quota (tasks.maxActivePerIdentity, tasks.maxActive): the
      // step stays pending, nothing is spent, and the workflow advances again later.
      if (err instanceof McppError && err.code === 'QUOTA_EXCEEDED') {
        const retryAfter = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 1
        this.#init.deferred(unit.workflowId, retryAfter * 1000)
        return false
      }
      // The task could not be queued (its input block, a closed store): the attempt fails, and may be retried.
      this.#init.tasks.workflowSide.transaction(() => {
        if (this.begin(unit)) this.end(unit, { state: 'failed', error: taskError(err) })
      })
      return true
    }
  }

  /**
   * Queues many attempts' tasks in one transaction (a fan-out's steps, a map's next
   * items): one commit instead of one per task, which made a 1,000-wide fan-out cost
   * twice the same tasks submitted as one batch. If any of them may not start, or the
   * batch as a whole is refused (the quota), each is started on its own instead, so
   * that each gets its own outcome.
   */
  async startTasks(starts: readonly TaskStart[], submitter: string | null): Promise<void> {
    for (let from = 0; from < starts.length; from += TASK_BATCH) {
      const chunk = starts.slice(from, from + TASK_BATCH)
      if (chunk.length > 1) {
        try {
          await this.#submit(chunk, submitter)
          continue
        } catch {
          // One by one below.
        }
      }
      for (const start of chunk)
        await this.startTask(start.unit, start.body, start.input, start.settings, submitter)
    }
  }

  /** Submits the tasks and begins their attempts in one transaction; throws StartRefused if one may not begin. */
  async #submit(starts: readonly TaskStart[], submitter: string | null): Promise<void> {
    await this.#init.tasks.workflowSide.submitLinked(
      starts.map(taskSpec),
      { tool: SUBMITTING_TOOL, identity: submitter ?? undefined },
      (submitted) => {
        starts.forEach((start, i) => {
          const taskId = submitted[i]?.task.id
          if (taskId === undefined || !this.begin(start.unit, { taskId })) throw new StartRefused()
        })
      },
    )
  }

  /** Starts the attempt's tool call through the router; its end is recorded when it settles. */
  startTool(
    unit: Unit,
    body: ToolBody,
    params: unknown,
    settings: StepSettings,
    submitter: string | null,
    withCid: boolean,
  ): boolean {
    const tool = this.#init.registry.get(body.tool)
    if (tool === undefined) {
      this.failAtOnce(unit, {
        code: 'INVALID_INPUT',
        message: `the tool "${body.tool}" is no longer registered`,
      })
      return true
    }
    if (!this.begin(unit)) return false
    const controller = new AbortController()
    const key = unitKey(unit.workflowId, unit.stepId, unit.index)
    this.#calls.get(key)?.abort('cancelled')
    this.#calls.set(key, controller)
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(settings.timeoutMs)])
    const ctx: ToolContext = {
      signal,
      progress: () => {},
      log: () => {},
      caller: submitter === null ? {} : { identity: submitter },
    }
    const { executor, outputs } = this.#init
    void executor
      .call(tool, params, ctx)
      .then(async (result) => {
        if (this.#stopped) return
        const stored = await outputs.store(result.output, withCid)
        this.end(unit, { state: 'succeeded', ...stored, placement: { runtime: result.runtime } })
      })
      .catch((err: unknown) => {
        if (this.#stopped) return
        const why = controller.signal.reason as AbortWhy | undefined
        if (controller.signal.aborted && why === 'cancelled') this.end(unit, { state: 'cancelled' })
        else this.end(unit, { state: 'failed', error: taskError(err, signal) })
      })
      .catch((err: unknown) =>
        this.#init.log.error('a workflow tool step could not be recorded', { error: String(err) }),
      )
      .finally(() => {
        if (this.#calls.get(key) === controller) this.#calls.delete(key)
        if (!this.#stopped) this.#init.changed(unit.workflowId)
      })
    return true
  }

  /** Aborts a running tool call (its step ends `cancelled`); false when none runs. */
  abort(workflowId: string, stepId: string, index?: number): boolean {
    const controller = this.#calls.get(unitKey(workflowId, stepId, index))
    controller?.abort('cancelled')
    return controller !== undefined
  }

  /** The relay stops: calls are aborted and nothing more is recorded (they are retried on restart). */
  stop(): void {
    this.#stopped = true
    for (const controller of this.#calls.values()) controller.abort('stopping')
    this.#calls.clear()
  }
}

export function unitKey(workflowId: string, stepId: string, index?: number): string {
  return index === undefined ? `${workflowId}/${stepId}` : `${workflowId}/${stepId}/${index}`
}

/** The queue's task for an attempt: retried by its step, not by the queue (maxAttempts 1). */
function taskSpec({ unit, body, input, settings }: TaskStart): TaskSpec {
  const metadata: Record<string, unknown> = {
    workflowId: unit.workflowId,
    stepId: unit.stepId,
    attempt: unit.attempt,
    ...(unit.index === undefined ? {} : { index: unit.index }),
  }
  return {
    kind: body.kind,
    ...(input === undefined ? {} : { input }),
    priority: unit.index === undefined ? settings.priority : settings.itemPriority,
    maxAttempts: 1,
    timeoutMs: settings.timeoutMs,
    metadata,
    ...(body.requires === undefined ? {} : { requires: body.requires }),
    ...(body.trust === undefined ? {} : { trust: body.trust }),
  }
}

/** A tool's error as a step's TaskError (its code kept in the message when it has no task equivalent). */
export function taskError(err: unknown, signal?: AbortSignal): TaskError {
  const e = toMcppError(err, signal)
  if (e.code === 'TIMEOUT') return { code: 'TIMEOUT', message: e.message }
  if (e.code === 'CANCELLED') return { code: 'CANCELLED', message: e.message }
  if (e.code === 'INVALID_PARAMS') return { code: 'INVALID_INPUT', message: e.message }
  return { code: 'TASK_FAILED', message: `${e.code}: ${e.message}` }
}
