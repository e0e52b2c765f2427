import type { MemberWorkers } from '../../../shared/dashboard/snapshot-types.ts'
import { duration, ms, shortId } from '../format.ts'

/**
 * The workers member relays reported in their announcements (issue 13: "which relay it
 * is on"). This relay does not see them: the numbers are the member's, as old as its
 * announcement, and marked stale when that is old.
 */
export function MemberWorkersTable({ members }: { members: MemberWorkers[] }) {
  const total = members.reduce((n, m) => n + m.total, 0)
  const listed = members.reduce((n, m) => n + m.listed.length, 0)
  if (total === 0) return null
  return (
    <div class="scroll">
      <table id="member-workers">
        <caption>
          {total} worker{total === 1 ? '' : 's'} on member relays, as each relay reported them in its latest
          announcement{listed < total ? ` (${listed} busiest shown)` : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Relay</th>
            <th scope="col">Name</th>
            <th scope="col">Peer</th>
            <th scope="col">Connection</th>
            <th scope="col">Kinds and capabilities</th>
            <th scope="col">Slots</th>
            <th scope="col">Buffer</th>
            <th scope="col">In flight</th>
            <th scope="col">Done</th>
            <th scope="col">Failed</th>
            <th scope="col">Mean task time</th>
          </tr>
        </thead>
        <tbody>
          {members.flatMap((m) => [
            ...m.listed.map((w) => (
              <tr key={`${m.relay} ${w.workerId}`} data-member-worker={w.workerId} data-stale={m.stale}>
                <td title={m.relay}>
                  {shortId(m.relay)}
                  <span class={m.stale ? 'bad' : 'hint'}>
                    {m.stale
                      ? ` (stale: reported ${duration(m.ageMs / 1000)} ago)`
                      : ` (reported ${duration(m.ageMs / 1000)} ago)`}
                  </span>
                </td>
                <td>
                  {w.name}
                  {w.draining ? ' (draining)' : ''}
                </td>
                <td title={w.peerId}>{shortId(w.peerId)}</td>
                <td>{w.connection}</td>
                <td>{[...w.kinds, ...w.capabilities].join(', ')}</td>
                <td>{w.slots}</td>
                <td>{Math.max(0, w.concurrency - w.slots)}</td>
                <td>{w.inFlight}</td>
                <td data-col="done">{w.done}</td>
                <td>{w.failed}</td>
                <td>{ms(w.meanMs)}</td>
              </tr>
            )),
            ...(m.total > m.listed.length
              ? [
                  <tr key={`${m.relay} more`}>
                    <td title={m.relay}>{shortId(m.relay)}</td>
                    <td colSpan={10}>and {m.total - m.listed.length} more on this relay</td>
                  </tr>,
                ]
              : []),
          ])}
        </tbody>
      </table>
    </div>
  )
}
