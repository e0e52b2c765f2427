import type { StepState } from '../../shared/workflow/types.ts'
import type { ItemCounts, WorkflowAttempts } from '../task-queue/store/workflow-attempts.ts'

/**
 * A running map step's item counts, kept between decisions (issue 12: a map over
 * 10,000 items counted them all again on every decision). Read once from the store;
 * after that only the items marked (begun, ended, or their task settled) are read back,
 * and only running ones can change under the engine: pending items start only through
 * the engine, which marks them, and final items stay final.
 */
export class ItemTally {
  readonly workflowId: string
  readonly stepId: string
  readonly counts: ItemCounts
  readonly #running: Set<number>
  readonly #dirty = new Set<number>()

  constructor(workflowId: string, stepId: string, attempts: WorkflowAttempts) {
    this.workflowId = workflowId
    this.stepId = stepId
    this.counts = attempts.itemCounts(workflowId, stepId)
    this.#running = new Set(attempts.runningItems(workflowId, stepId))
  }

  mark(index: number): void {
    this.#dirty.add(index)
  }

  /** Reads the marked items back and moves the counts. */
  refresh(attempts: WorkflowAttempts): void {
    for (const index of this.#dirty) {
      const now = attempts.itemState(this.workflowId, this.stepId, index)?.state
      if (now === undefined) continue
      const before: StepState = this.#running.has(index) ? 'running' : 'pending'
      if (now === before) continue
      // A marked item that was not running was pending (final items are never begun again).
      this.#move(before, now)
      if (now === 'running') this.#running.add(index)
      else this.#running.delete(index)
    }
    this.#dirty.clear()
  }

  #move(from: StepState, to: StepState): void {
    const c = this.counts as unknown as Record<string, number>
    if (from in c) c[from] = (c[from] ?? 0) - 1
    if (to in c) c[to] = (c[to] ?? 0) + 1
  }
}
