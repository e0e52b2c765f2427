import { DEFAULT_PRIORITY, DEFAULT_TASK_TIMEOUT_MS } from '../task/defaults.ts'
import { DEFAULT_PARALLELISM, DEFAULT_TASK_STEP_ATTEMPTS, DEFAULT_TOOL_STEP_ATTEMPTS } from './limits.ts'
import type { StepSpec } from './types.ts'

/**
 * A step's run settings with the defaults applied (spec-schema.ts applies the same ones
 * on submit; a spec built in code may leave them out).
 */
export interface StepSettings {
  /** Attempts of the step (a map: of each item's task or tool call). */
  maxAttempts: number
  timeoutMs: number
  /** The step's own priority among ready steps. */
  priority: number
  /** A map: the items' priority (the template's, else the map's). */
  itemPriority: number
  /** A map: items running at once (1 for other steps). */
  parallelism: number
}

export function stepSettings(step: StepSpec): StepSettings {
  const body = step.type === 'map' ? step.do : step
  const priority = step.priority ?? DEFAULT_PRIORITY
  return {
    maxAttempts:
      body.maxAttempts ?? (body.type === 'task' ? DEFAULT_TASK_STEP_ATTEMPTS : DEFAULT_TOOL_STEP_ATTEMPTS),
    timeoutMs: body.timeoutMs ?? DEFAULT_TASK_TIMEOUT_MS,
    priority,
    itemPriority: step.type === 'map' ? (step.do.priority ?? priority) : priority,
    parallelism: step.type === 'map' ? (step.parallelism ?? DEFAULT_PARALLELISM) : 1,
  }
}
