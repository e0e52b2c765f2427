import { z } from 'zod'
import { READS } from '../../../shared/tool/annotations.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { toDot, toMermaid } from '../../../shared/workflow/dag-render.ts'
import {
  statusView,
  stepState,
  viewStatus,
  viewWorkflow,
  type WorkflowToolDeps,
  workflowId,
  workflowState,
  workflowView,
} from './schemas.ts'

export function manageTools({ workflows }: WorkflowToolDeps) {
  const list = defineTool({
    name: 'p2p_workflow_list',
    category: 'p2p_workflow',
    description: 'List workflows, newest first, filtered by state, tag or submitter, with paging',
    input: z.object({
      state: workflowState.optional().describe('Only workflows in this state'),
      tag: z.string().max(64).optional().describe('Only workflows with this tag'),
      submitter: z.string().max(256).optional().describe('Only workflows this identity submitted'),
      limit: z.number().int().min(1).max(500).default(50).describe('Workflows listed at most'),
      offset: z
        .number()
        .int()
        .min(0)
        .max(1_000_000)
        .optional()
        .describe('Workflows skipped first (offset paging)'),
      cursor: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe("A page's nextCursor: the workflows after that page (cursor paging)"),
    }),
    output: z.object({
      workflows: z.array(workflowView),
      total: z.number().int(),
      nextCursor: z.number().int().nullable(),
    }),
    annotations: { title: 'List workflows', ...READS, idempotentHint: false },
    handlers: {
      local: async (filter) => {
        const page = workflows.list(filter)
        return { ...page, workflows: page.workflows.map(viewWorkflow) }
      },
    },
  })

  const dagNode = z.object({
    id: z.string(),
    type: z.enum(['task', 'tool', 'map']),
    label: z.string(),
    state: stepState,
    critical: z.boolean(),
  })
  const getDag = defineTool({
    name: 'p2p_workflow_get_dag',
    category: 'p2p_workflow',
    description:
      "A workflow's graph with each step's state and the critical path (by measured durations where known), as JSON, Graphviz DOT and Mermaid",
    input: z.object({ workflowId }),
    output: z.object({
      nodes: z.array(dagNode),
      edges: z.array(z.object({ from: z.string(), to: z.string(), critical: z.boolean() })),
      criticalPath: z.object({
        steps: z.array(z.string()).describe('From the first step to run to the last'),
        totalMs: z.number().describe('The sum of their durations (measured, or estimated for steps not run)'),
      }),
      dot: z.string().describe('Graphviz DOT'),
      mermaid: z.string().describe('A Mermaid flowchart'),
    }),
    annotations: { title: 'Workflow graph', ...READS, idempotentHint: false },
    handlers: {
      local: async ({ workflowId: id }) => {
        const view = workflows.dag(id)
        return { ...view, dot: toDot(view), mermaid: toMermaid(view) }
      },
    },
  })

  const cancel = defineTool({
    name: 'p2p_workflow_cancel',
    category: 'p2p_workflow',
    description:
      'Cancel a running workflow: pending steps are cancelled, running tasks are stopped on their workers and running tool calls aborted; what finished is kept',
    input: z.object({ workflowId, reason: z.string().max(256).optional().describe('Why, recorded with it') }),
    output: statusView.extend({
      cancelled: z.boolean().describe('False when the workflow had already ended'),
    }),
    annotations: {
      title: 'Cancel a workflow',
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    handlers: {
      local: async ({ workflowId: id, reason }) => {
        const { status, cancelled } = await workflows.cancel(id, reason ?? 'cancelled by request')
        return { ...viewStatus(status), cancelled }
      },
    },
  })

  const coordinate = defineTool({
    name: 'p2p_workflow_coordinate',
    category: 'p2p_workflow',
    description:
      "For a workflow's pending steps: where each would run now and why (this relay's workers, a member relay, or a tool runtime); with rebalance, hands queued step tasks no local worker can take to member relays with free capacity",
    input: z.object({
      workflowId,
      rebalance: z
        .boolean()
        .default(false)
        .describe('Move queued step tasks to member relays with free capacity'),
    }),
    output: z.object({
      workflowId: z.string(),
      state: workflowState,
      steps: z.array(
        z.object({
          stepId: z.string(),
          state: stepState,
          runtime: z.string(),
          relay: z.string().optional(),
          reason: z.string(),
        }),
      ),
      moved: z.array(z.object({ stepId: z.string(), taskId: z.string(), relay: z.string() })),
    }),
    annotations: {
      title: 'Place a workflow’s steps',
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: false,
    },
    handlers: {
      local: async ({ workflowId: id, rebalance }) => workflows.coordinate(id, { rebalance }),
    },
  })

  return [list, getDag, cancel, coordinate]
}
