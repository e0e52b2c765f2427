import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  type ListToolsResult,
  McpError,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js'
import { toMcppError } from '../../shared/errors.ts'
import type { CallerInfo, Tool, ToolContext } from '../../shared/tool/types.ts'
import type { RouterExecutor } from '../router/executor.ts'
import { errorResult, successResult } from './call-result.ts'

/** What every per-session server shares; built once per relay. */
export interface McpSurface {
  version: string
  /** Tools that `tools/list` shows and `tools/call` accepts, by name. */
  exposed: ReadonlyMap<string, Tool>
  executor: RouterExecutor
}

const INSTRUCTIONS =
  'MCP++ relay. Start with tools_list_categories or tools_search, read a schema with tools_get_schema, ' +
  'then run a tool with tools_dispatch {tool, params}.'

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>

/** The `tools/list` payload, computed once per relay: every session sees the same list. */
export function toolListing(exposed: ReadonlyMap<string, Tool>): ListToolsResult {
  return {
    tools: [...exposed.values()].map((tool) => ({
      name: tool.name,
      title: tool.annotations.title,
      description: tool.description,
      inputSchema: tool.inputJsonSchema,
      outputSchema: tool.outputJsonSchema,
      annotations: tool.annotations,
    })),
  }
}

function toolContext(server: Server, tool: Tool, extra: Extra, caller: CallerInfo): ToolContext {
  const token = extra._meta?.progressToken
  return {
    signal: extra.signal,
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
      throw new McpError(
        ErrorCode.InvalidParams,
        `Unknown tool: ${request.params.name}. tools/list shows the callable tools; use tools_dispatch for the rest.`,
      )
    }
    const caller: CallerInfo = {}
    if (extra.sessionId !== undefined) caller.sessionId = extra.sessionId
    if (extra.authInfo?.clientId !== undefined) caller.identity = extra.authInfo.clientId
    try {
      const { output } = await surface.executor.call(
        tool,
        request.params.arguments ?? {},
        toolContext(server, tool, extra, caller),
      )
      return successResult(output)
    } catch (err) {
      return errorResult(toMcppError(err, extra.signal))
    }
  })
  return server
}
