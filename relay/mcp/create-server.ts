import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  type ListToolsResult,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js'
import { McppError, toMcppError } from '../../shared/errors.ts'
import { errorResult, successResult } from '../../shared/tool/call-result.ts'
import { publishTool } from '../../shared/tool/publish.ts'
import type { CallerInfo, Tool, ToolContext } from '../../shared/tool/types.ts'
import { assertParamsDepth } from '../../shared/tool/validate.ts'
import type { HeldQuota, RateQuota } from '../quotas/index.ts'
import { quotaError } from '../quotas/index.ts'
import type { RouterExecutor } from '../router/executor.ts'
import { raceAbort } from '../router/race-abort.ts'
import type { InFlightCalls } from './in-flight-calls.ts'

/** Who sent a request: the authenticated identity, and the key its quotas count under. */
export interface Caller {
  identity: string | undefined
  quotaKey: string
}

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
}

/** How a caller rides into request handlers: the SDK passes `authInfo` through to `extra`. */
export function authInfoOf(caller: Caller) {
  return { token: '', clientId: caller.identity ?? '', scopes: [], extra: { caller } }
}

function callerOf(extra: Extra): Caller {
  const caller = extra.authInfo?.extra?.caller as Caller | undefined
  return caller ?? { identity: undefined, quotaKey: 'unknown' }
}

const INSTRUCTIONS =
  'MCP++ relay. Start with tools_list_categories or tools_search, read a schema with tools_get_schema, ' +
  'then run a tool with tools_dispatch {tool, params}.'

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>

/** The `tools/list` payload for the callers of one access rule: the exposed tools they may call. */
export function toolListing(tools: Iterable<Tool>): ListToolsResult {
  return { tools: [...tools].map(publishTool) }
}

function toolContext(
  server: Server,
  tool: Tool,
  extra: Extra,
  caller: CallerInfo,
  signal: AbortSignal,
): ToolContext {
  const token = extra._meta?.progressToken
  return {
    signal,
    caller,
    progress:
      token === undefined
        ? () => {}
        : (progress, total, message) => {
            void extra
              .sendNotification({
                method: 'notifications/progress',
                params: {
                  progressToken: token,
                  progress,
                  ...(total === undefined ? {} : { total }),
                  ...(message ? { message } : {}),
                },
              })
              .catch(() => {})
          },
    log: (level, data) => {
      void server.sendLoggingMessage({ level, logger: tool.name, data }, extra.sessionId).catch(() => {})
    },
  }
}

/**
 * A JSON-RPC error sent with exactly this message. The SDK's McpError puts
 * "MCP error <code>: " in its message, which goes on the wire, and the SDK client adds
 * the prefix again to what it receives: clients showed it twice (issue 15). The SDK
 * server sends any thrown error's numeric `code` and `message` as they are.
 */
class WireError extends Error {
  readonly code: number

  constructor(code: number, message: string) {
    super(message)
    this.name = 'WireError'
    this.code = code
  }
}

/** One SDK server per MCP session (the SDK refuses to connect an instance twice). */
export function createMcpServer(surface: McpSurface, listing: ListToolsResult): Server {
  const server = new Server(
    { name: 'mcpp', version: surface.version },
    { capabilities: { tools: { listChanged: false }, logging: {} }, instructions: INSTRUCTIONS },
  )
  server.setRequestHandler(ListToolsRequestSchema, () => listing)
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = surface.exposed.get(request.params.name)
    if (!tool) {
      // A protocol error, as MCP 2025-11-25 prescribes for an unknown tool (tools, "Error Handling").
      throw new WireError(
        ErrorCode.InvalidParams,
        `Unknown tool: ${request.params.name}. tools/list shows the callable tools; use tools_dispatch for the rest.`,
      )
    }
    // Admitted before anything else, so a stop that has begun refuses it with an answer.
    const call = surface.calls.enter(extra.signal)
    if (!call)
      return errorResult(new McppError('SHUTTING_DOWN', 'the relay is stopping; no new calls are accepted'))
    try {
      return await runCall(surface, server, tool, request.params.arguments ?? {}, extra, call.signal)
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
  server: Server,
  tool: Tool,
  params: Record<string, unknown>,
  extra: Extra,
  signal: AbortSignal,
) {
  const who = callerOf(extra)
  const caller: CallerInfo = {}
  if (extra.sessionId !== undefined) caller.sessionId = extra.sessionId
  if (who.identity !== undefined) caller.identity = who.identity
  const rate = await surface.callQuotas.calls.take(who.quotaKey)
  if (!rate.ok) return errorResult(quotaError(rate.refusal))
  const slot = surface.callQuotas.concurrentCalls.acquire(who.quotaKey)
  if (!slot.ok) return errorResult(quotaError(slot.refusal))
  try {
    // Before anything walks the params recursively (validation, the audit digest).
    assertParamsDepth(params)
    const { output, runtime, verification, route } = await raceAbort(
      surface.executor.call(tool, params, toolContext(server, tool, extra, caller, signal)),
      signal,
    )
    return successResult(output, { runtime, ...(verification === undefined ? {} : { verification }) }, route)
  } catch (err) {
    return errorResult(toMcppError(err, signal))
  } finally {
    slot.lease.release()
  }
}
