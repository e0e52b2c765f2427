import { decideRoute } from '../../shared/router/decide.ts'
import type { ToolRegistry } from '../../shared/tool/registry.ts'
import type { StepRecord, StepSpec } from '../../shared/workflow/types.ts'
import type { WorkflowPlan } from '../../shared/workflow/validate.ts'
import type { ForwardingService } from '../forwarding/index.ts'
import type { RelayInfo } from '../p2p/relay-directory.ts'
import type { RouterExecutor } from '../router/executor.ts'
import type { TaskService } from '../task-queue/index.ts'
import type { WorkflowDetail } from '../task-queue/store/workflow-store.ts'
import type { WorkflowPlacementReport } from './workflows.ts'

export interface PlacementDeps {
  tasks: TaskService
  registry: ToolRegistry
  executor: RouterExecutor
  forwarding: ForwardingService
  relays: () => readonly RelayInfo[] | undefined
}

type StepPlace = WorkflowPlacementReport['steps'][number]

/**
 * Where each step that has not finished would run now and why (p2p_workflow_coordinate,
 * issue 12). Task steps: this relay's workers when one runs the kind, else a member
 * relay that announces it with free slots, else unavailable. Tool steps: the router's
 * own decision (shared/router/decide.ts) on its live snapshot. With `rebalance`, each
 * queued step task that no local worker runs is offered to such a member through the
 * forwarding service (one owner per task: the hand-off protocol fences it). Map items
 * are reported through their map step only.
 */
export async function placementReport(
  detail: WorkflowDetail,
  plan: WorkflowPlan,
  options: { rebalance: boolean },
  deps: PlacementDeps,
): Promise<WorkflowPlacementReport> {
  const specs = new Map(plan.steps.map((s) => [s.id, s]))
  const localKinds = deps.tasks.taskKinds()
  const relays = deps.relays() ?? []
  const steps: StepPlace[] = []
  const moved: WorkflowPlacementReport['moved'] = []
  for (const record of detail.steps) {
    if (record.state !== 'pending' && record.state !== 'running') continue
    const spec = specs.get(record.stepId)
    if (spec === undefined) continue
    const place = placeStep(spec, record, localKinds, relays, deps)
    steps.push(place)
    if (
      !options.rebalance ||
      place.runtime !== 'relay' ||
      place.relay === undefined ||
      record.taskId === null
    )
      continue
    const task = deps.tasks.get(record.taskId)
    if (task?.state !== 'queued') continue
    const outcome = await deps.forwarding.offer(task.id, place.relay)
    if (outcome.ok) moved.push({ stepId: record.stepId, taskId: task.id, relay: place.relay })
    else place.reason += `; the offer was refused (${outcome.reason})`
  }
  return { workflowId: detail.workflow.id, state: detail.workflow.state, steps, moved }
}

function placeStep(
  spec: StepSpec,
  record: StepRecord,
  localKinds: ReadonlySet<string>,
  relays: readonly RelayInfo[],
  deps: PlacementDeps,
): StepPlace {
  const base = { stepId: record.stepId, state: record.state }
  const body = spec.type === 'map' ? spec.do : spec
  if (body.type === 'tool') {
    const tool = deps.registry.get(body.tool)
    if (tool === undefined)
      return { ...base, runtime: 'unavailable', reason: `the tool "${body.tool}" is not registered` }
    const decision = decideRoute(tool, deps.executor.policy, deps.executor.snapshot())
    return decision.ok
      ? { ...base, runtime: decision.runtime, reason: decision.reason }
      : { ...base, runtime: 'unavailable', reason: decision.message }
  }
  const kind = body.kind
  if (localKinds.has(kind))
    return { ...base, runtime: 'local', reason: `a worker connected to this relay runs "${kind}"` }
  const member = relays
    .filter((r) => r.capacity.kinds.includes(kind))
    .sort((a, b) => b.capacity.freeSlots - a.capacity.freeSlots)[0]
  if (member !== undefined) {
    return {
      ...base,
      runtime: 'relay',
      relay: member.peerId,
      reason: `no local worker runs "${kind}"; member relay ${member.peerId} announces it with ${member.capacity.freeSlots} free slots`,
    }
  }
  return { ...base, runtime: 'unavailable', reason: `no worker here or on a member relay runs "${kind}" now` }
}
