import { criticalPath } from '../../shared/workflow/dag.ts'
import { type DagView, toJson } from '../../shared/workflow/dag-render.ts'
import type { WorkflowPlan } from '../../shared/workflow/validate.ts'
import type { WorkflowDetail } from '../task-queue/store/workflow-store.ts'

/** A step that has not run is estimated at the median of those that ran, else at this. */
const ESTIMATE_MS = 1000

/** The graph of a stored workflow with each step's state and the critical path by measured durations. */
export function dagView(detail: WorkflowDetail, plan: WorkflowPlan): DagView {
  const states = new Map(detail.steps.map((s) => [s.stepId, s.state]))
  const measured = new Map<string, number>()
  for (const s of detail.steps) {
    if (s.startedAt !== null && s.finishedAt !== null) measured.set(s.stepId, s.finishedAt - s.startedAt)
  }
  const known = [...measured.values()].sort((a, b) => a - b)
  const estimate = known.length === 0 ? ESTIMATE_MS : (known[Math.floor(known.length / 2)] as number)
  return toJson(
    plan.steps,
    plan.graph,
    states,
    criticalPath(plan.graph, plan.order, { measured, estimateMs: () => estimate }),
  )
}
