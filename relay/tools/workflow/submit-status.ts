import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { READS } from '../../../shared/tool/annotations.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import type { ToolContext } from '../../../shared/tool/types.ts'
import { type ParsedWorkflowSpec, workflowSpecSchema } from '../../../shared/workflow/spec-schema.ts'
import type { WorkflowProgress, Workflows } from '../../workflows/workflows.ts'
import { statusView, viewStatus, type WorkflowToolDeps, waitTimeoutMs, workflowId } from './schemas.ts'

/**
 * The caller may run every step: each task kind under the access policy on kinds (as
 * p2p_taskqueue_submit checks it), each tool under the access policy on tools. Checked
 * before anything is stored, so a refused step runs nothing.
 */
function authorizeSteps(spec: ParsedWorkflowSpec, deps: WorkflowToolDeps, ctx: ToolContext): void {
  for (const step of spec.steps) {
    const body = step.type === 'map' ? step.do : step
    if (body.type === 'task') deps.guardKind(body.kind, ctx.caller)
    else {
      const tool = deps.registry.get(body.tool)
      // An unknown tool is the validator's to report, with the step's name.
      if (tool !== undefined && !deps.canCall(tool, ctx))
        throw new McppError('FORBIDDEN', `step ${step.id}: the access policy does not allow ${body.tool}`, {
          step: step.id,
          tool: body.tool,
        })
    }
  }
}

/** Waits for the workflow to end, reporting finished steps as MCP progress. */
async function waitFor(workflows: Workflows, id: string, timeoutMs: number, ctx: ToolContext) {
  const report = ({ ended, total }: WorkflowProgress) =>
    ctx.progress(ended, total, `${ended} of ${total} steps ended`)
  return workflows.wait(id, { timeoutMs, signal: ctx.signal, onChange: report })
}

export function submitStatusTools(deps: WorkflowToolDeps) {
  const { workflows } = deps
  const submit = defineTool({
    name: 'p2p_workflow_submit',
    category: 'p2p_workflow',
    description:
      'Submit a workflow: a DAG of steps (a task on workers, a tool call, or a map over an earlier list) whose inputs may refer to earlier outputs ({"$ref": "step", "path": "$.a"}, {"$cid": "step"}, {"$item": true}); refused before anything runs if a step is unknown, cyclic or invalid',
    input: workflowSpecSchema.extend({
      wait: z
        .boolean()
        .default(false)
        .describe('Wait for the workflow to end (progress is reported meanwhile)'),
      waitTimeoutMs,
    }),
    output: statusView.extend({
      created: z.boolean().describe('False when the idempotency key named a workflow submitted before'),
      timedOut: z.boolean().optional().describe('With wait: the workflow had not ended when the wait did'),
    }),
    example: {
      name: 'chunk, then hash each chunk on workers',
      steps: [
        {
          id: 'chunk',
          type: 'tool',
          tool: 'text_chunk',
          params: { text: 'one two three', size: 2, overlap: 0, unit: 'words' },
        },
        {
          id: 'hash',
          type: 'map',
          over: { $ref: 'chunk', path: '$.chunks' },
          do: { type: 'task', kind: 'sha256', input: { text: { $item: true, path: '$.text' } } },
        },
      ],
      wait: true,
    },
    annotations: {
      title: 'Submit a workflow',
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: false,
    },
    handlers: {
      local: async ({ wait, waitTimeoutMs: timeoutMs, ...spec }, ctx) => {
        authorizeSteps(spec, deps, ctx)
        const { status, created } = await workflows.submit(spec, ctx.caller)
        if (!wait) return { ...viewStatus(status), created }
        const waited = await waitFor(workflows, status.workflow.id, timeoutMs, ctx)
        return { ...viewStatus(waited.status), created, timedOut: waited.timedOut }
      },
    },
  })

  const status = defineTool({
    name: 'p2p_workflow_status',
    category: 'p2p_workflow',
    description:
      'State of a workflow (running, succeeded, failed or cancelled) and of each step: attempts, timings, where it ran (relay, worker), outputs or their CIDs; with wait, waits for it to end and reports progress',
    input: z.object({
      workflowId,
      wait: z.boolean().default(false).describe('Wait for the workflow to end'),
      waitTimeoutMs,
    }),
    output: statusView.extend({ timedOut: z.boolean().optional() }),
    annotations: { title: 'Workflow status', ...READS, idempotentHint: false },
    handlers: {
      local: async ({ workflowId: id, wait, waitTimeoutMs: timeoutMs }, ctx) => {
        if (!wait) return viewStatus(workflows.status(id))
        const waited = await waitFor(workflows, id, timeoutMs, ctx)
        return { ...viewStatus(waited.status), timedOut: waited.timedOut }
      },
    },
  })

  return [submit, status]
}
