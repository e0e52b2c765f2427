import { McppError, toMcppError } from '../../shared/errors.ts'
import type { ToolRegistry } from '../../shared/tool/registry.ts'
import type { HeldQuota, RateQuota } from '../quotas/index.ts'
import { quotaError } from '../quotas/index.ts'
import type { RouterExecutor } from '../router/executor.ts'
import { raceAbort } from '../router/race-abort.ts'
import type { InFlightCalls } from './in-flight-calls.ts'
import { type Caller, callerInfoOf, callerOf, type Extra, toolContext } from './tool-context.ts'
import { wireErrorOf } from './wire-error.ts'

/** What running a tool for a resource, prompt or completion needs from the surface. */
export interface RunSurface {
  registry: ToolRegistry
  executor: RouterExecutor
  callQuotas: { calls: RateQuota; concurrentCalls: HeldQuota }
  calls: InFlightCalls
  /** A connection's one caller, when it carries no authentication of its own (stdio). */
  caller?: Caller | undefined
}

/** Runs one tool for the request `extra` belongs to: its output, or a JSON-RPC error thrown. */
export type RunTool = (name: string, params: Record<string, unknown>, extra: Extra) => Promise<unknown>

/**
 * Resources, prompts and completions read data only through tools (issue 15): the same
 * call quotas, in-flight accounting and executor as tools/call, so the access policy,
 * input validation and the audit log apply unchanged. A refusal becomes a JSON-RPC
 * error (wire-error.ts), never data. Any registered tool runs, exposed or not, as
 * through tools_dispatch.
 */
export function toolRunner(surface: RunSurface): RunTool {
  return async (name, params, extra) => {
    try {
      const tool = surface.registry.get(name)
      if (!tool) throw new McppError('UNAVAILABLE', `this relay has no tool ${name}`)
      const call = surface.calls.enter(extra.mcpReq.signal)
      if (!call) throw new McppError('SHUTTING_DOWN', 'the relay is stopping; no new calls are accepted')
      try {
        const who = callerOf(extra, surface.caller)
        const rate = await surface.callQuotas.calls.take(who.quotaKey)
        if (!rate.ok) throw quotaError(rate.refusal)
        const slot = surface.callQuotas.concurrentCalls.acquire(who.quotaKey)
        if (!slot.ok) throw quotaError(slot.refusal)
        try {
          const ctx = toolContext(tool, extra, callerInfoOf(extra, surface.caller), call.signal)
          const { output } = await raceAbort(surface.executor.call(tool, params, ctx), call.signal)
          return output
        } finally {
          slot.lease.release()
        }
      } finally {
        call.leave()
      }
    } catch (err) {
      throw wireErrorOf(toMcppError(err, extra.mcpReq.signal))
    }
  }
}
