import { DEFAULT_ROUTE_RULES } from '../../../shared/constants.ts'
import { compilePolicy } from '../../../shared/router/compile-policy.ts'
import { decideRoute } from '../../../shared/router/decide.ts'
import type { AvailabilitySnapshot, RoutableTool } from '../../../shared/router/types.ts'
import type { BenchSection } from '../context.ts'
import { percentile } from '../load.ts'

const BATCH = 10_000
const BATCHES = 60

/** Median cost of one decision, in µs, over batches of `BATCH` calls. */
function measure(decide: () => unknown): number {
  const perCall: number[] = []
  for (let b = 0; b < BATCHES; b++) {
    const started = process.hrtime.bigint()
    for (let i = 0; i < BATCH; i++) decide()
    perCall.push(Number(process.hrtime.bigint() - started) / 1000 / BATCH)
  }
  perCall.sort((a, b) => a - b)
  return percentile(perCall, 50)
}

/** The router's pure decision, in-process, with the relay's default rules. */
export const routerDecision: BenchSection = {
  name: 'router',
  async run(ctx) {
    ctx.progress('router: timing decideRoute in-process')
    const policy = compilePolicy({ rules: [...DEFAULT_ROUTE_RULES], fallback: 'local' })
    const snapshot: AvailabilitySnapshot = {
      local: { available: true },
      p2p: { available: false, reason: 'no workers connected', taskKinds: new Set() },
      edge: { available: false, reason: 'not an edge runtime' },
      relay: { available: false, reason: 'no other relays' },
    }
    const local: RoutableTool = {
      name: 'text_hash',
      runtime: 'local',
      requiresP2P: false,
      runtimes: new Set(['local']),
      taskKind: undefined,
    }
    const auto: RoutableTool = {
      name: 'text_embed',
      runtime: 'auto',
      requiresP2P: false,
      runtimes: new Set(['local', 'p2p']),
      taskKind: 'embed',
    }
    const rows = [
      { metric: 'decideRoute, local tool (median)', tool: local },
      { metric: 'decideRoute, auto tool, p2p down (median)', tool: auto },
    ]
    return rows.map(({ metric, tool }) => ({
      section: 'router',
      metric,
      value: measure(() => decideRoute(tool, policy, snapshot)),
      unit: 'µs',
      target: { kind: 'max' as const, of: 'value' as const, limit: 10 },
    }))
  },
}
