import { McppError, toMcppError } from '../../shared/errors.ts'
import type { CallResult } from '../../shared/manager/meta-tools.ts'
import { compilePolicy } from '../../shared/router/compile-policy.ts'
import { decideRoute } from '../../shared/router/decide.ts'
import type { AvailabilitySnapshot } from '../../shared/router/types.ts'
import { type AccessPolicy, decideAccess } from '../../shared/security/access-policy.ts'
import type { Tool, ToolContext } from '../../shared/tool/types.ts'
import { parseToolInput, parseToolOutput } from '../../shared/tool/validate.ts'

/** Longest an edge tool may run when it declares no timeout of its own. */
const DEFAULT_TIMEOUT_MS = 30_000
const RELAY_ONLY = 'in the edge Worker; the relays run it'

/**
 * What is available inside the Worker (issue 14): only the edge runtime. The router
 * decides as on a relay, so a tool with edge code runs here and the decision says so;
 * anything else is not for this executor (the edge forwards it to a relay first).
 */
export const EDGE_SNAPSHOT: AvailabilitySnapshot = {
  local: { available: false, reason: RELAY_ONLY },
  p2p: { available: false, reason: RELAY_ONLY, taskKinds: new Set() },
  edge: { available: true },
  relay: { available: false, reason: RELAY_ONLY },
}
const POLICY = compilePolicy({ rules: [], fallback: 'none' })
/** As on a relay: the operator's own code computed it. */
const COMPUTED_HERE = Object.freeze({ trust: 'relay' as const, verified: true, workers: [] as string[] })

/** Whether the access policy lets the caller use `tool` (the same rules as a relay's). */
export function canCallAtEdge(policy: AccessPolicy) {
  return (tool: Tool, ctx: ToolContext) => decideAccess(policy, ctx.caller.identity, tool).allowed
}

/** Runs a tool that has edge code: access, validation, the route decision, the handler, its output check. */
export function edgeExecutor(policy: AccessPolicy) {
  const canCall = canCallAtEdge(policy)
  return async function call(tool: Tool, params: unknown, ctx: ToolContext): Promise<CallResult> {
    if (!canCall(tool, ctx))
      throw new McppError('FORBIDDEN', decideAccess(policy, ctx.caller.identity, tool).reason, {
        tool: tool.name,
      })
    const input = parseToolInput(tool, params)
    const decision = decideRoute(tool, POLICY, EDGE_SNAPSHOT)
    const handler = tool.handlers.edge
    if (!decision.ok || decision.runtime !== 'edge' || handler === undefined)
      throw new McppError('RUNTIME_UNAVAILABLE', `${tool.name} has no edge code; a relay runs it`)
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(tool.timeoutMs ?? DEFAULT_TIMEOUT_MS)])
    try {
      const output = parseToolOutput(tool, await handler(input, { ...ctx, signal }))
      return { output, runtime: 'edge', verification: COMPUTED_HERE, route: decision.reason }
    } catch (err) {
      throw toMcppError(err, signal)
    }
  }
}
