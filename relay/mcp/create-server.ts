import type { ListToolsResult } from '@modelcontextprotocol/server'
import { ProtocolError, ProtocolErrorCode, Server } from '@modelcontextprotocol/server'
import { McppError, toMcppError } from '../../shared/errors.ts'
import { errorResult, successResult } from '../../shared/tool/call-result.ts'
import { publishTool } from '../../shared/tool/publish.ts'
import type { ToolRegistry } from '../../shared/tool/registry.ts'
import type { Tool } from '../../shared/tool/types.ts'
import { assertParamsDepthInTurns } from '../../shared/tool/validate.ts'
import { TimeSlice, yieldAfter } from '../event-loop-turn.ts'
import type { HeldQuota, RateQuota } from '../quotas/index.ts'
import { quotaError } from '../quotas/index.ts'
import type { RouterExecutor } from '../router/executor.ts'
import { raceAbort } from '../router/race-abort.ts'
import type { TaskService } from '../task-queue/task-service.ts'
import type { WorkflowEngine } from '../workflows/workflow-engine.ts'
import { registerCompletions } from './completions.ts'
import type { InFlightCalls } from './in-flight-calls.ts'
import { registerPrompts } from './prompts.ts'
import { registerResources } from './resources.ts'
import { toolRunner } from './run-tool.ts'
import { type Caller, callerInfoOf, callerOf, type Extra, toolContext } from './tool-context.ts'

export { authInfoOf, type Caller } from './tool-context.ts'

/** What every per-session server shares; built once per relay. */
export interface McpSurface {
  version: string
  /** Tools that `tools/list` shows and `tools/call` accepts, by name. */
  exposed: ReadonlyMap<string, Tool>
  executor: RouterExecutor
  /** Whether the access policy lets `identity` call `tool`; `tools/list` shows only those. */
  canCall: (tool: Tool, identity: string | undefined) => boolean
  /** Names the rule that decides for `identity`: callers with one key see one listing. */
  viewKey: (identity: string | undefined) => string
  /** Quotas on tools/call: a rate and a number in flight. */
  callQuotas: { calls: RateQuota; concurrentCalls: HeldQuota }
  /** The calls running now; a graceful stop drains them (issue 10). */
  calls: InFlightCalls
  /** Every tool, exposed or not: resources, prompts and completions read through them. */
  registry: ToolRegistry
  /** Tells resource subscriptions when a task ends. */
  tasks: Pick<TaskService, 'onFinished'>
  /** Tells resource subscriptions when a workflow changes. */
  workflows: Pick<WorkflowEngine, 'wait'>
  /**
   * The one caller of a connection that carries no authentication of its own (stdio);
   * absent for HTTP, whose requests carry theirs.
   */
  caller?: Caller | undefined
}

const INSTRUCTIONS =
  'MCP++ relay. Start with tools_list_categories or tools_search, read a schema with tools_get_schema, ' +
  'then run a tool with tools_dispatch {tool, params}. Data is also readable as mcpp:// resources ' +
  '(resources/templates/list), and prompts/list walks through common jobs.'

/** The `tools/list` payload for the callers of one access rule: the exposed tools they may call. */
export function toolListing(tools: Iterable<Tool>): ListToolsResult {
  return { tools: [...tools].map(publishTool) }
}

/** One SDK server per MCP session (the SDK refuses to connect an instance twice). */
export function createMcpServer(surface: McpSurface, listing: ListToolsResult): Server {
  const server = new Server(
    { name: 'mcpp', version: surface.version },
    {
      capabilities: {
        tools: { listChanged: false },
        logging: {},
        resources: { subscribe: true, listChanged: false },
        prompts: { listChanged: false },
        completions: {},
      },
      instructions: INSTRUCTIONS,
    },
  )
  const run = toolRunner(surface)
  registerResources(server, surface, run)
  registerPrompts(server)
  registerCompletions(server, surface, run)
  server.setRequestHandler('tools/list', () => listing)
  server.setRequestHandler('tools/call', async (request, ctx) => {
    const tool = surface.exposed.get(request.params.name)
    if (!tool) {
      // A protocol error, as MCP 2025-11-25 prescribes for an unknown tool (tools, "Error Handling").
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Unknown tool: ${request.params.name}. tools/list shows the callable tools; use tools_dispatch for the rest.`,
      )
    }
    // Admitted before anything else, so a stop that has begun refuses it with an answer.
    const call = surface.calls.enter(ctx.mcpReq.signal)
    if (!call)
      return errorResult(new McppError('SHUTTING_DOWN', 'the relay is stopping; no new calls are accepted'))
    try {
      return await runCall(surface, tool, request.params.arguments ?? {}, ctx, call.signal)
    } finally {
      call.leave()
    }
  })
  return server
}

/**
 * One tools/call: quotas, then the router. `signal` aborts when the client cancels or
 * the relay cuts the call at shutdown; the call is raced against it, so a cut call is
 * answered with SHUTTING_DOWN even if its tool does not stop at once. (The SDK's own
 * `extra.signal` is left alone: the SDK sends no answer at all for a request whose
 * signal it aborted.)
 */
async function runCall(
  surface: McpSurface,
  tool: Tool,
  params: Record<string, unknown>,
  extra: Extra,
  signal: AbortSignal,
) {
  const who = callerOf(extra, surface.caller)
  const caller = callerInfoOf(extra, surface.caller)
  const rate = await surface.callQuotas.calls.take(who.quotaKey)
  if (!rate.ok) return errorResult(quotaError(rate.refusal))
  const slot = surface.callQuotas.concurrentCalls.acquire(who.quotaKey)
  if (!slot.ok) return errorResult(quotaError(slot.refusal))
  try {
    // Before anything walks the params recursively (validation, the audit digest).
    const slice = new TimeSlice()
    await assertParamsDepthInTurns(params, () => slice.pause())
    const { output, runtime, verification, route } = await raceAbort(
      surface.executor.call(tool, params, toolContext(tool, extra, caller, signal)),
      signal,
    )
    const building = performance.now()
    const result = successResult(
      output,
      { runtime, ...(verification === undefined ? {} : { verification }) },
      route,
    )
    // The SDK serialises the result next, in the same turn.
    await yieldAfter(building)
    return result
  } catch (err) {
    return errorResult(toMcppError(err, signal))
  } finally {
    slot.lease.release()
  }
}
