import { McppError, NotAcceptedError, toMcppError } from '../../shared/errors.ts'
import type { CallResult } from '../../shared/manager/meta-tools.ts'
import { type CompiledPolicy, compilePolicy } from '../../shared/router/compile-policy.ts'
import { decideRoute } from '../../shared/router/decide.ts'
import type { AvailabilitySnapshot, RouterPolicy } from '../../shared/router/types.ts'
import type { Runtime, Tool, ToolContext } from '../../shared/tool/types.ts'
import { parseToolInput, parseToolOutput } from '../../shared/tool/validate.ts'
import { TimeSlice } from '../event-loop-turn.ts'
import type { RelayMetrics } from '../metrics.ts'
import { type RuntimeBackend, Verified } from '../runtimes/runtime-backend.ts'
import { asStorageFull } from '../storage/storage-full.ts'
import { storeOfCategory } from '../storage/stores.ts'
import { raceAbort } from './race-abort.ts'

export type Outcome =
  | 'ok'
  | 'error'
  | 'invalid_params'
  | 'unavailable'
  | 'not_accepted'
  | 'cancelled'
  | 'timeout'

/** What the executor reports about each finished call (the audit log listens). */
export interface CallRecord {
  tool: Tool
  params: unknown
  ctx: ToolContext
  /** `ok` or the error code. */
  outcome: string
  runtime: Runtime | null
  durationMs: number
}

export interface ExecutorInit {
  policy: RouterPolicy
  backends: Record<Runtime, RuntimeBackend>
  metrics: RelayMetrics
  /** Records a call (the audit log); a promise when that takes turns of the loop (large params). */
  onCall?: (record: CallRecord) => undefined | Promise<void>
  /** Refuses a call before anything runs (access policy); throws FORBIDDEN. */
  authorize?: (tool: Tool, ctx: ToolContext) => void
  /** Refuses a call over a quota before anything runs (stored bytes); throws QUOTA_EXCEEDED. */
  admit?: (tool: Tool, params: unknown, ctx: ToolContext) => Promise<void>
}

function outcomeOf(err: McppError): Outcome {
  if (err.code === 'CANCELLED') return 'cancelled'
  if (err.code === 'TIMEOUT') return 'timeout'
  return 'error'
}

/**
 * Carries out the router's decisions. A call is validated once, routed once, and run on
 * the chosen runtime; it moves to a fallback only if that runtime refused it before
 * starting (NotAcceptedError), so no call ever runs twice. Every attempt is counted by
 * tool, runtime and outcome.
 */
export class RouterExecutor {
  readonly policy: CompiledPolicy
  private readonly backends: Record<Runtime, RuntimeBackend>
  private readonly metrics: RelayMetrics

  private readonly onCall: ExecutorInit['onCall']
  private readonly authorize: ((tool: Tool, ctx: ToolContext) => void) | undefined
  private readonly admit: ExecutorInit['admit']

  constructor(init: ExecutorInit) {
    this.policy = compilePolicy(init.policy)
    this.backends = init.backends
    this.metrics = init.metrics
    this.onCall = init.onCall
    this.authorize = init.authorize
    this.admit = init.admit
  }

  snapshot(): AvailabilitySnapshot {
    const p2p = this.backends.p2p.status()
    return {
      local: this.backends.local.status(),
      p2p: { ...p2p, taskKinds: p2p.taskKinds ?? new Set() },
      edge: this.backends.edge.status(),
      relay: this.backends.relay.status(),
    }
  }

  private count(tool: Tool, runtime: Runtime | 'none', outcome: Outcome): void {
    this.metrics.routerDecisions.inc({ tool: tool.name, runtime, outcome })
  }

  /** Runs one call through the router and reports it (outcome, runtime, duration). */
  async call(tool: Tool, params: unknown, ctx: ToolContext): Promise<CallResult> {
    const started = performance.now()
    const report = (outcome: string, runtime: Runtime | null) =>
      this.onCall?.({ tool, params, ctx, outcome, runtime, durationMs: performance.now() - started })
    // A large call's steps (admission, validation, the handler's own work, the output's
    // validation, the audit digest) each take time in proportion to its params or answer;
    // after SLICE_MS of them in a row the loop gets a turn.
    const slice = new TimeSlice()
    try {
      this.authorize?.(tool, ctx)
      await this.admit?.(tool, params, ctx)
      await slice.pause()
      const result = await this.route(tool, params, ctx, slice)
      await report('ok', result.runtime)
      await slice.pause()
      return result
    } catch (err) {
      // Refusing large params (validating them) may have used the slice up. Not for a
      // call being cut: its own error (naming its task) must reach the MCP handler
      // before the handler's race answers with the bare abort reason (race-abort.ts).
      if (!ctx.signal.aborted) await slice.pause()
      await report(toMcppError(err, ctx.signal).code, null)
      throw err
    }
  }

  private async route(tool: Tool, params: unknown, ctx: ToolContext, slice: TimeSlice): Promise<CallResult> {
    let input: Record<string, unknown>
    try {
      input = parseToolInput(tool, params)
    } catch (err) {
      this.count(tool, 'none', 'invalid_params')
      throw err
    }
    await slice.pause()
    const decision = decideRoute(tool, this.policy, this.snapshot())
    if (!decision.ok) {
      this.count(tool, 'none', 'unavailable')
      throw new McppError(decision.code, decision.message)
    }
    const runCtx =
      tool.timeoutMs === undefined ? ctx : { ...ctx, signal: withTimeout(ctx.signal, tool.timeoutMs) }
    const refusals: string[] = []
    for (const runtime of [decision.runtime, ...decision.fallbacks]) {
      const started = performance.now()
      try {
        const raw = await raceAbort(this.backends[runtime].execute(tool, input, runCtx), runCtx.signal)
        const verified = raw instanceof Verified
        const output = parseToolOutput(tool, verified ? raw.output : raw)
        await slice.pause()
        this.count(tool, runtime, 'ok')
        this.metrics.toolDuration.observe({ tool: tool.name, runtime }, (performance.now() - started) / 1000)
        // Results say how they were checked: a worker's answer by its trust level, the relay's own as `relay`.
        const route =
          refusals.length === 0
            ? decision.reason
            : `${decision.reason}; ran on ${runtime} after: ${refusals.join('; ')}`
        return { output, runtime, verification: verified ? raw.verification : RELAY_COMPUTED, route }
      } catch (err) {
        if (err instanceof NotAcceptedError) {
          this.count(tool, runtime, 'not_accepted')
          refusals.push(err.message)
          continue
        }
        // A full disk, whichever store hit it, is STORAGE_FULL here, the one place tool errors are mapped.
        const failure = toMcppError(asStorageFull(err, storeOfCategory(tool.category)), runCtx.signal)
        this.count(tool, runtime, outcomeOf(failure))
        throw failure
      }
    }
    throw new McppError('RUNTIME_UNAVAILABLE', `every runtime refused ${tool.name}: ${refusals.join('; ')}`)
  }
}

const RELAY_COMPUTED = Object.freeze({ trust: 'relay' as const, verified: true, workers: [] as string[] })

function withTimeout(signal: AbortSignal, ms: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(ms)])
}
