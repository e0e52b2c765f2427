import { z } from 'zod'
import { McppError, toMcppError } from '../../shared/errors.ts'
import type { Tool, ToolContext } from '../../shared/tool/types.ts'
import { assertParamsDepth } from '../../shared/tool/validate.ts'
import type { Verification } from '../../shared/trust/trust-policy.ts'
import type { Caller } from '../mcp/sessions.ts'
import { quotaError } from '../quotas/index.ts'
import type { RelayComponents } from '../relay-components.ts'
import { raceAbort } from '../router/race-abort.ts'

const DISPATCH_TOOL = 'tools_dispatch'

/** The body of `POST /api/call`. */
export const callRequest = z.strictObject({
  tool: z.string().min(1).max(128),
  params: z.record(z.string(), z.unknown()).default({}),
})
export type CallRequest = z.infer<typeof callRequest>

/** What the page shows after a call: the tool's structured output and where the router ran it. */
export interface CallAnswer {
  result: Record<string, unknown>
  decision: { tool: string; category: string; runtime: string; verification?: Verification }
}

/**
 * Runs a tool for the dashboard the way MCP `tools/call` runs `tools_dispatch`: the
 * caller's call quotas, the params depth check, then the executor with the dispatch
 * tool, which looks the tool up, validates its params, applies the access policy,
 * routes it and writes the audit entry. Nothing here validates on its own.
 */
export async function runDashboardCall(
  c: Pick<RelayComponents, 'registry' | 'executor' | 'quotas' | 'calls'>,
  request: CallRequest,
  caller: Caller,
  requestSignal: AbortSignal,
): Promise<CallAnswer> {
  const dispatch = c.registry.get(DISPATCH_TOOL) as Tool
  // In flight with MCP's calls: a graceful stop refuses new ones, waits for this one up
  // to the grace period, then cuts it with SHUTTING_DOWN (its signal aborts).
  const inFlight = c.calls.enter(requestSignal)
  if (inFlight === undefined)
    throw new McppError('SHUTTING_DOWN', 'the relay is shutting down; retry after it restarts')
  const { signal } = inFlight
  const rate = await c.quotas.calls.take(caller.quotaKey)
  if (!rate.ok) {
    inFlight.leave()
    throw quotaError(rate.refusal)
  }
  const slot = c.quotas.concurrentCalls.acquire(caller.quotaKey)
  if (!slot.ok) {
    inFlight.leave()
    throw quotaError(slot.refusal)
  }
  try {
    const params = { tool: request.tool, params: request.params }
    assertParamsDepth(params)
    const ctx: ToolContext = {
      signal,
      caller: caller.identity === undefined ? {} : { identity: caller.identity },
      progress: () => {},
      log: () => {},
    }
    const { output } = await raceAbort(c.executor.call(dispatch, params, ctx), signal)
    const { result, ...decision } = output as { result: Record<string, unknown> } & CallAnswer['decision']
    return { result, decision }
  } catch (err) {
    throw toMcppError(err, signal)
  } finally {
    slot.lease.release()
    inFlight.leave()
  }
}

/** Reads a call body; anything but `{tool, params}` is INVALID_PARAMS naming the problem. */
export function parseCallRequest(text: string): CallRequest {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new McppError('INVALID_PARAMS', 'the body is not JSON; send {"tool": name, "params": {...}}')
  }
  const parsed = callRequest.safeParse(json)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map((i) => ({
    param: i.path.join('.') || '(body)',
    problem: i.message,
  }))
  throw new McppError(
    'INVALID_PARAMS',
    `invalid call body: ${problems.map((p) => `${p.param}: ${p.problem}`).join('; ')}`,
    {
      problems,
    },
  )
}
