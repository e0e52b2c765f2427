import type { Placement, Runtime } from '../tool/types.ts'
import type { CompiledPolicy } from './compile-policy.ts'
import { pickMember } from './pick-member.ts'
import type { AvailabilitySnapshot, RoutableTool, RouteDecision } from './types.ts'

/**
 * Runtimes to try for each placement, best first, before the fallback policy applies.
 * A task kind runs on this relay's workers first, then on a member relay's (`relay`,
 * issue 11), and only then, for a tool that has relay code, in the relay process.
 */
const PREFERENCE: Record<Placement, readonly Runtime[]> = {
  // In the edge Worker the relay's process is not there: a tool with edge code runs in
  // the Worker instead (issue 14). On a relay the edge is unavailable, so this changes nothing.
  local: ['local', 'edge'],
  p2p: ['p2p', 'relay'],
  auto: ['p2p', 'relay', 'local', 'edge'],
  edge: ['edge'],
}

function unavailableReason(
  runtime: Runtime,
  tool: RoutableTool,
  snapshot: AvailabilitySnapshot,
): string | null {
  if (runtime === 'relay') return relayUnavailable(tool, snapshot)
  if (!tool.runtimes.has(runtime)) return `${runtime}: the tool has no ${runtime} implementation`
  const status = snapshot[runtime]
  if (!status.available) return `${runtime}: ${status.reason ?? 'unavailable'}`
  if (runtime === 'p2p' && tool.taskKind !== undefined && !snapshot.p2p.taskKinds.has(tool.taskKind)) {
    return `p2p: no connected worker runs task kind "${tool.taskKind}"`
  }
  return null
}

function relayUnavailable(tool: RoutableTool, snapshot: AvailabilitySnapshot): string | null {
  const kind = tool.taskKind
  if (kind === undefined) return 'relay: the tool has no task kind to forward'
  if (!snapshot.relay.available) return `relay: ${snapshot.relay.reason ?? 'unavailable'}`
  if (pickMember(kind, snapshot.relay.members ?? []) === undefined)
    return `relay: no member relay announces free slots for task kind "${kind}"`
  return null
}

/** The local workers' slots for a kind, when the snapshot has them. */
function localLoad(tool: RoutableTool, snapshot: AvailabilitySnapshot) {
  return tool.taskKind === undefined ? undefined : snapshot.p2p.load?.get(tool.taskKind)
}

/** Why a task kind goes to a member relay: what is missing here, and what the member offers. */
function forwardReason(tool: RoutableTool, snapshot: AvailabilitySnapshot, p2pRefusal?: string): string {
  const kind = tool.taskKind as string
  const member = pickMember(kind, snapshot.relay.members ?? [])
  const there = `relay ${member?.peerId} has ${member?.freeSlots} free slots for "${kind}"`
  const load = localLoad(tool, snapshot)
  const here =
    p2pRefusal ?? `local workers saturated (${load?.slots}/${load?.slots} slots busy for "${kind}")`
  return `forwarded: ${here}; ${there}`
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
  // Local workers that run the kind but have no free slot: a member relay with free
  // slots runs it sooner; without one, the task waits in this relay's queue.
  const load = localLoad(tool, snapshot)
  if (usable[0] === 'p2p' && usable.includes('relay') && load !== undefined && load.freeSlots === 0) {
    usable.splice(usable.indexOf('relay'), 1)
    usable.unshift('relay')
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
  let reason: string
  if (chosen === 'edge') reason = `placement ${placement}, runs in the edge Worker (no relay hop)`
  else if (chosen === 'relay')
    reason = `placement ${placement}, ${forwardReason(
      tool,
      snapshot,
      refusals.find((r) => r.startsWith('p2p:')),
    )}`
  else if (chosen === preferred)
    reason =
      chosen === 'p2p' && load !== undefined
        ? `placement ${placement}, local workers run "${tool.taskKind}" (${load.freeSlots}/${load.slots} slots free)`
        : `placement ${placement}`
  else reason = `placement ${placement}, fell back to ${chosen} (${refusals.join('; ')})`
  return { ok: true, runtime: chosen, fallbacks, reason }
}
