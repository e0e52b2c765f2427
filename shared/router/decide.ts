import type { Placement, Runtime } from '../tool/types.ts'
import type { CompiledPolicy } from './compile-policy.ts'
import type { AvailabilitySnapshot, RoutableTool, RouteDecision } from './types.ts'

/** Runtimes to try for each placement, best first, before the fallback policy applies. */
const PREFERENCE: Record<Placement, readonly Runtime[]> = {
  local: ['local'],
  p2p: ['p2p'],
  auto: ['p2p', 'local'],
  edge: ['edge'],
}

function unavailableReason(
  runtime: Runtime,
  tool: RoutableTool,
  snapshot: AvailabilitySnapshot,
): string | null {
  if (!tool.runtimes.has(runtime)) return `${runtime}: the tool has no ${runtime} implementation`
  const status = snapshot[runtime]
  if (!status.available) return `${runtime}: ${status.reason ?? 'unavailable'}`
  if (runtime === 'p2p' && tool.taskKind !== undefined && !snapshot.p2p.taskKinds.has(tool.taskKind)) {
    return `p2p: no connected worker runs task kind "${tool.taskKind}"`
  }
  return null
}

/**
 * Decides where one call runs. Pure: the same tool, policy and snapshot always give
 * the same decision. The first matching rule may override the tool's placement and may
 * add a P2P requirement; `fallbacks` lists the runtimes the executor may try, in order,
 * only if the chosen one refuses the call before accepting it.
 */
export function decideRoute(
  tool: RoutableTool,
  policy: CompiledPolicy,
  snapshot: AvailabilitySnapshot,
): RouteDecision {
  let placement = tool.runtime
  let requiresP2P = tool.requiresP2P
  for (const rule of policy.rules) {
    if (!rule.test(tool.name)) continue
    placement = rule.runtime ?? placement
    requiresP2P = requiresP2P || rule.requiresP2P === true
    break
  }
  if (requiresP2P && !snapshot.p2p.available) {
    return {
      ok: false,
      code: 'RUNTIME_UNAVAILABLE',
      message: `${tool.name} requires the P2P runtime, which is unavailable: ${snapshot.p2p.reason ?? 'not started'}`,
    }
  }
  const order: Runtime[] = [...PREFERENCE[placement]]
  if (policy.fallback === 'local' && !order.includes('local')) order.push('local')
  const usable: Runtime[] = []
  const refusals: string[] = []
  for (const runtime of order) {
    const why = unavailableReason(runtime, tool, snapshot)
    if (why === null) usable.push(runtime)
    else refusals.push(why)
  }
  const [chosen, ...fallbacks] = usable
  if (chosen === undefined) {
    return {
      ok: false,
      code: 'RUNTIME_UNAVAILABLE',
      message: `no runtime can run ${tool.name} (placement ${placement}): ${refusals.join('; ')}`,
    }
  }
  const preferred = PREFERENCE[placement][0]
  const reason =
    chosen === preferred
      ? `placement ${placement}`
      : `placement ${placement}, fell back to ${chosen} (${refusals.join('; ')})`
  return { ok: true, runtime: chosen, fallbacks, reason }
}
