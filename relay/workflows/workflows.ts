import type { CallerInfo } from '../../shared/tool/types.ts'
import type { DagView } from '../../shared/workflow/dag-render.ts'
import type { ParsedWorkflowSpec } from '../../shared/workflow/spec-schema.ts'
import type { StepRecord, WorkflowRecord, WorkflowState } from '../../shared/workflow/types.ts'
import type { WorkflowListFilter, WorkflowPage } from '../task-queue/store/workflow-store.ts'

/**
 * The relay's workflow engine as the six `p2p_workflow_*` tools (relay/tools/workflow/)
 * and the dashboard see it (issue 12). The engine (workflow-engine.ts) implements it:
 * it validates and stores a workflow, starts the steps that are ready, follows their
 * tasks and tool calls to the end, and resumes after a restart. Every method that names
 * a workflow throws McppError NOT_FOUND for an unknown id.
 */
export interface Workflows {
  /**
   * Validates `spec` (shared/workflow/validate.ts, against this relay's tools and task
   * kinds) and stores it; ready steps start at once. A refused spec throws McppError
   * INVALID_PARAMS with `details.errors` (each naming its step), before anything runs.
   * The same idempotency key returns the workflow submitted first (`created: false`).
   */
  submit(spec: ParsedWorkflowSpec, caller: CallerInfo): Promise<{ status: WorkflowStatus; created: boolean }>

  status(id: string): WorkflowStatus

  list(filter: WorkflowListFilter): WorkflowPage

  /** Waits until the workflow ends or `timeoutMs` passes; `onChange` hears its progress meanwhile. */
  wait(
    id: string,
    options: { timeoutMs: number; signal?: AbortSignal; onChange?: (progress: WorkflowProgress) => void },
  ): Promise<{ status: WorkflowStatus; timedOut: boolean }>

  /**
   * Cancels a running workflow: pending steps are cancelled, running tasks are cancelled
   * on their workers, running tool calls get their AbortSignal. What finished is kept.
   * A workflow that already ended is returned as it is (`cancelled: false`).
   */
  cancel(id: string, reason: string): Promise<{ status: WorkflowStatus; cancelled: boolean }>

  /** The graph with each step's state and the critical path (measured durations where known). */
  dag(id: string): DagView

  /**
   * For the pending steps: where each would run now and why (the router's decision for
   * tool steps; this relay's workers or a member relay for task steps). With
   * `rebalance`, queued step tasks that no local worker can take are offered to member
   * relays with free capacity (one owner per step, as for any task).
   */
  coordinate(id: string, options: { rebalance: boolean }): Promise<WorkflowPlacementReport>
}

export interface WorkflowStatus {
  workflow: WorkflowRecord
  /** In spec order. */
  steps: StepRecord[]
}

/** How far a running workflow is: steps that ended, of all its steps. */
export interface WorkflowProgress {
  ended: number
  total: number
}

export interface WorkflowPlacementReport {
  workflowId: string
  state: WorkflowState
  steps: Array<{
    stepId: string
    state: StepRecord['state']
    /** local, p2p, relay (a member relay's PeerId in `relay`), edge, or unavailable. */
    runtime: string
    relay?: string | undefined
    reason: string
  }>
  /** With rebalance: step tasks handed to member relays. */
  moved: Array<{ stepId: string; taskId: string; relay: string }>
}
