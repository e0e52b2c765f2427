import type { DashboardSnapshot } from '../../../shared/dashboard/snapshot-types.ts'
import { ms, shortId, time } from '../format.ts'
import type { LiveState } from '../live.ts'
import { MemberWorkersTable } from './workers-members.tsx'

export function WorkersView({ live }: { live: LiveState }) {
  const s = live.snapshot
  if (s === null) return <p role="status">Waiting for the first snapshot…</p>
  const { listed, connected, members } = s.workers
  return (
    <>
      {connected === 0 ? (
        <p>
          No worker is connected to this relay. Open /contribute in a browser tab, or run `npm run worker`.
        </p>
      ) : (
        <OwnWorkersTable listed={listed} connected={connected} />
      )}
      <MemberWorkersTable members={members} />
    </>
  )
}

function OwnWorkersTable({ listed, connected }: Pick<DashboardSnapshot['workers'], 'listed' | 'connected'>) {
  return (
    <div class="scroll">
      <table>
        <caption>
          {connected} worker{connected === 1 ? '' : 's'} connected to this relay
          {connected > listed.length ? ` (first ${listed.length} shown)` : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Peer</th>
            <th scope="col">Connection</th>
            <th scope="col">Relay</th>
            <th scope="col">Kinds and capabilities</th>
            <th scope="col">Slots</th>
            <th scope="col">Buffer</th>
            <th scope="col">In flight</th>
            <th scope="col">Done</th>
            <th scope="col">Failed</th>
            <th scope="col">Mean task time</th>
            <th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {listed.map((w) => (
            <tr key={w.workerId} data-worker={w.workerId}>
              <td>
                {w.name}
                {w.draining ? ' (draining)' : ''}
              </td>
              <td title={w.peerId}>{shortId(w.peerId)}</td>
              <td>{w.connection}</td>
              <td title={w.relay ?? ''}>{shortId(w.relay)}</td>
              <td>{[...w.kinds, ...w.capabilities].join(', ')}</td>
              <td>{w.slots}</td>
              <td>{w.buffer}</td>
              <td>{w.inFlight}</td>
              <td data-col="done">{w.done}</td>
              <td>{w.failed}</td>
              <td>{ms(w.meanMs)}</td>
              <td>{time(w.connectedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
