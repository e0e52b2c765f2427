import { z } from 'zod'
import { DEFAULT_WAIT_MS, MAX_WAIT_MS } from '../../../shared/task/defaults.ts'
import type { StepRecord, StepState, WorkflowRecord, WorkflowState } from '../../../shared/workflow/types.ts'
import type { WorkflowStatus } from '../../workflows/workflows.ts'
import type { ToolDeps } from '../tool-deps.ts'

export type WorkflowToolDeps = Pick<ToolDeps, 'workflows' | 'guardKind' | 'canCall' | 'registry'>

export const WORKFLOW_CATEGORY = {
  name: 'p2p_workflow',
  description:
    'Durable workflows: DAGs of tasks, tool calls and fan-outs over the network, with status, cancellation and pictures of the graph',
}

const STEP_STATES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
] as const satisfies readonly StepState[]
const WORKFLOW_STATES = [
  'running',
  'succeeded',
  'failed',
  'cancelled',
] as const satisfies readonly WorkflowState[]

export const workflowId = z.string().min(1).max(128).describe('Workflow id')
export const workflowState = z.enum(WORKFLOW_STATES)
export const stepState = z.enum(STEP_STATES)

/** Long waits report progress and return before a typical client's 60 s request timeout. */
export const waitTimeoutMs = z
  .number()
  .int()
  .min(0)
  .max(MAX_WAIT_MS)
  .default(DEFAULT_WAIT_MS)
  .describe(
    `How long to wait for the workflow to end (at most ${MAX_WAIT_MS / 1000} s); it keeps running afterwards: wait again with p2p_workflow_status`,
  )

const error = z.object({ code: z.string(), message: z.string() })

export const workflowView = z.object({
  id: z.string(),
  name: z.string().nullable(),
  state: workflowState,
  onFailure: z.enum(['fail-fast', 'continue']),
  idempotencyKey: z.string().nullable(),
  tags: z.array(z.string()),
  submitter: z.string().nullable(),
  counts: z.record(z.string(), z.number().int()).describe('Steps by state'),
  createdAt: z.number(),
  updatedAt: z.number(),
  finishedAt: z.number().nullable(),
})

export const stepView = z.object({
  stepId: z.string(),
  type: z.enum(['task', 'tool', 'map']),
  state: stepState,
  attempt: z.number().int(),
  maxAttempts: z.number().int(),
  taskId: z.string().nullable().describe('The queue task of the current attempt (task steps)'),
  items: z
    .object({
      total: z.number().int(),
      succeeded: z.number().int(),
      failed: z.number().int(),
      running: z.number().int(),
    })
    .optional()
    .describe('Map steps: their items'),
  output: z.unknown().optional().describe('The output, when small enough to keep inline'),
  outputCid: z.string().nullable().describe('The CID of a large output (ipfs_cat reads it)'),
  error: error.nullable(),
  placement: z
    .object({ relay: z.string().optional(), worker: z.string().optional(), runtime: z.string().optional() })
    .nullable()
    .describe('Where the attempt ran: relay, worker or runtime'),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  durationMs: z.number().nullable(),
})

export const statusView = z.object({ workflow: workflowView, steps: z.array(stepView) })

export function viewWorkflow(workflow: WorkflowRecord): z.input<typeof workflowView> {
  return { ...workflow, counts: { ...workflow.counts } }
}

export function viewStep(step: StepRecord): z.input<typeof stepView> {
  const { workflowId: _workflow, placement, ...rest } = step
  return {
    ...rest,
    placement:
      placement === null
        ? null
        : Object.fromEntries(Object.entries(placement).filter(([, v]) => v !== undefined && v !== null)),
    durationMs: step.startedAt !== null && step.finishedAt !== null ? step.finishedAt - step.startedAt : null,
  }
}

export function viewStatus(status: WorkflowStatus): z.input<typeof statusView> {
  return { workflow: viewWorkflow(status.workflow), steps: status.steps.map(viewStep) }
}
