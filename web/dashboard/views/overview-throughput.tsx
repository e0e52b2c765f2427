import type { RelayView } from '../../../shared/dashboard/snapshot-types.ts'
import { duration, rate } from '../format.ts'

/**
 * A member relay's throughput as it announced it: tasks finished (and of them failed)
 * and tool calls per second over its last minute. Relays before these announcements
 * send none.
 */
export function MemberThroughput({ relay }: { relay: RelayView }) {
  const t = relay.throughput
  if (t === null) return <span class="hint">— (not announced)</span>
  const age = relay.ageMs === null ? '' : `, announced ${duration(relay.ageMs / 1000)} ago`
  return (
    <span title={`over its last ${Math.round(t.windowSeconds)} s${age}`}>
      {rate(t.completedPerSecond + t.failedPerSecond)} tasks ({rate(t.failedPerSecond)} failed),{' '}
      {rate(t.callsPerSecond)} calls
      {relay.stale ? <span class="bad"> (stale{age})</span> : null}
    </span>
  )
}
