import type { TaskService } from '../task-queue/index.ts'
import type { MapRunner } from './map-step.ts'
import type { StepRunner } from './step-runner.ts'

export interface StopDeps {
  tasks: TaskService
  runner: StepRunner
  maps: MapRunner
}

/** An attempt still running when its workflow is cancelled or fails fast. */
export interface RunningStep {
  stepId: string
  index?: number | undefined
  attempt: number
  taskId: string | null
  type?: string
}

/**
 * Stops running attempts (issue 12, cancel and fail-fast): tasks through the queue
 * (their trigger ends the step), tool calls by their signal, map steps by their items.
 */
export function stopRunning(
  deps: StopDeps,
  id: string,
  running: readonly RunningStep[],
  reason: string,
): void {
  const { tasks, runner, maps } = deps
  for (const r of running) {
    if (r.type === 'map') continue
    if (r.taskId !== null) tasks.cancel(r.taskId, reason)
    else if (!runner.abort(id, r.stepId, r.index)) {
      // No call runs for it in this process (it ended meanwhile): end the attempt here.
      runner.end(
        { workflowId: id, stepId: r.stepId, index: r.index, attempt: r.attempt },
        { state: 'cancelled' },
      )
    }
  }
  // Map steps themselves (the store lists only their items as running work).
  for (const step of tasks.workflowSide.store.stepStates(id)) {
    if (step.type !== 'map' || step.state !== 'running') continue
    maps.stopItems(id, step.stepId, reason)
    runner.end({ workflowId: id, stepId: step.stepId, attempt: step.attempt }, { state: 'cancelled' })
  }
}
