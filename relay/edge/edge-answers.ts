import { createMcpHandler, Server } from '@modelcontextprotocol/server'
import { McppError, toMcppError } from '../../shared/errors.ts'
import { META_TOOL_NAMES } from '../../shared/manager/exposure.ts'
import { errorResult, successResult } from '../../shared/tool/call-result.ts'
import { assertParamsDepth } from '../../shared/tool/validate.ts'
import type { EdgeCatalogue } from './edge-catalogue.ts'
import type { Forwarded } from './relay-pool.ts'

const DISPATCH = 'tools_dispatch'
const META = new Set<string>(META_TOOL_NAMES)

interface ToolCall {
  method: 'tools/call'
  params: { name: string; arguments?: Record<string, unknown> }
}

function asToolCall(message: unknown): ToolCall | undefined {
  if (typeof message !== 'object' || message === null) return undefined
  const m = message as { method?: unknown; params?: { name?: unknown; arguments?: unknown } }
  if (m.method !== 'tools/call' || typeof m.params?.name !== 'string') return undefined
  const args = m.params.arguments
  if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args)))
    return undefined
  return message as ToolCall
}

/**
 * Whether the Worker answers a message itself (issue 14): a `tools/call` of an exposed
 * tool that has edge code (the catalogue meta-tools; the text tools where they are
 * listed), or a `tools_dispatch` of a tool that has edge code. Everything else,
 * including a dispatch of an unknown tool, goes to the session's relay.
 */
export function answeredHere(message: unknown, catalogue: EdgeCatalogue): boolean {
  const call = asToolCall(message)
  if (call === undefined) return false
  const { name } = call.params
  if (!catalogue.exposed.has(name) && !META.has(name)) return false
  if (name === DISPATCH) {
    const target = call.params.arguments?.tool
    return typeof target === 'string' && target !== DISPATCH && hasEdgeCode(catalogue, target)
  }
  return hasEdgeCode(catalogue, name)
}

function hasEdgeCode(catalogue: EdgeCatalogue, name: string): boolean {
  return catalogue.registry.get(name)?.handlers.edge !== undefined
}

/**
 * Answers one tools/call in the Worker with the MCP SDK's `createMcpHandler`, in the
 * request's own protocol era. The result has the shape a relay gives: structured output, the
 * runtime (`edge`) and the router's decision in `_meta`.
 */
export async function answerHere(
  request: Request,
  message: unknown,
  catalogue: EdgeCatalogue,
  who: Forwarded,
  version: string,
): Promise<Response> {
  const server = new Server(
    { name: 'mcpp-edge', version },
    { capabilities: { tools: { listChanged: false } } },
  )
  server.setRequestHandler('tools/call', async (call, extra) => {
    const tool = catalogue.registry.get(call.params.name)
    if (tool === undefined || tool.handlers.edge === undefined)
      return errorResult(new McppError('RUNTIME_UNAVAILABLE', `${call.params.name} does not run at the edge`))
    try {
      const params = call.params.arguments ?? {}
      assertParamsDepth(params)
      const caller = who.identity === undefined ? {} : { identity: who.identity }
      const ctx = { signal: extra.mcpReq.signal, caller, progress: () => {}, log: () => {} }
      const { output, runtime, verification, route } = await catalogue.call(tool, params, ctx)
      return successResult(
        output,
        { runtime, ...(verification === undefined ? {} : { verification }) },
        route,
      )
    } catch (err) {
      return errorResult(toMcppError(err, extra.mcpReq.signal))
    }
  })
  // Either era, stateless: a 2025 client's session lives on its relay and nothing of it
  // is needed here; a 2026 request has none. JSON answers (nothing streams at the edge).
  // One handler per request: a Worker must not share I/O objects across requests.
  const handler = createMcpHandler(() => server, {
    legacy: 'stateless',
    responseMode: 'json',
    keepAliveMs: 0,
  })
  try {
    return await handler.fetch(request, { parsedBody: message })
  } finally {
    void handler.close()
  }
}
