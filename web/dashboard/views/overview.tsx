import { Chart } from '../chart.tsx'
import { duration, ms, rate, shortId } from '../format.ts'
import { type LiveState, MAX_POINTS } from '../live.ts'
import { MemberThroughput } from './overview-throughput.tsx'

const BLUE = '#2f6fd0'
const RED = '#c4362b'
const GREEN = '#2e8540'

export function OverviewView({ live }: { live: LiveState }) {
  const s = live.snapshot
  if (s === null) return <p role="status">Waiting for the first snapshot…</p>
  const throughput = live.points.at(-1)?.tasksPerSecond
  return (
    <>
      <section aria-labelledby="relays-heading">
        <h3 id="relays-heading">Relays</h3>
        <table>
          <caption>
            This relay and the member relays it knows ({s.relays.total}
            {s.relays.total > s.relays.listed.length ? `, first ${s.relays.listed.length} shown` : ''})
          </caption>
          <thead>
            <tr>
              <th scope="col">Relay</th>
              <th scope="col">Health</th>
              <th scope="col">Workers</th>
              <th scope="col">Free / slots</th>
              <th scope="col">Queued</th>
              <th scope="col">Throughput</th>
            </tr>
          </thead>
          <tbody>
            {s.relays.listed.map((r) => (
              <tr key={r.peerId} data-relay={r.peerId}>
                <td title={r.peerId}>
                  {shortId(r.peerId, 16)}
                  {r.self ? ' (this relay)' : ''}
                </td>
                <td data-health={r.health === 'ok' ? 'ok' : 'bad'}>{r.health}</td>
                <td>{r.workers}</td>
                <td>
                  {r.freeSlots} / {r.slots}
                </td>
                <td>{r.queued}</td>
                <td data-col="throughput">
                  {r.self ? `${rate(throughput)} tasks` : <MemberThroughput relay={r} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="now-heading">
        <h3 id="now-heading">Now</h3>
        <dl class="facts">
          <dt>Version</dt>
          <dd>{s.relay.version}</dd>
          <dt>Up for</dt>
          <dd id="uptime">{duration(s.relay.uptimeSeconds)}</dd>
          <dt>MCP sessions</dt>
          <dd>{s.relay.sessions}</dd>
          <dt>Tools</dt>
          <dd>{s.relay.tools}</dd>
          <dt>Workers connected</dt>
          <dd id="workers-connected">{s.workers.connected}</dd>
          {Object.entries(s.queue).map(([state, n]) => [
            <dt key={`t${state}`}>Tasks {state}</dt>,
            <dd key={`d${state}`} data-queue={state}>
              {n}
            </dd>,
          ])}
          {Object.entries(s.workflows).map(([state, n]) => [
            <dt key={`wt${state}`}>Workflows {state}</dt>,
            <dd key={`wd${state}`}>{n}</dd>,
          ])}
        </dl>
      </section>
      <section aria-labelledby="charts-heading">
        <h3 id="charts-heading">Last {MAX_POINTS / 60} minutes</h3>
        <div class="charts">
          <Chart
            title="Tasks finished"
            points={live.points}
            lines={[{ key: 'tasksPerSecond', label: 'tasks/s', colour: BLUE }]}
            format={(v) => rate(v)}
          />
          <Chart
            title="Call latency"
            points={live.points}
            lines={[
              { key: 'p50Ms', label: 'p50', colour: GREEN },
              { key: 'p99Ms', label: 'p99', colour: RED },
            ]}
            format={(v) => ms(v)}
          />
          <Chart
            title="Queue depth"
            points={live.points}
            lines={[{ key: 'queueDepth', label: 'queued', colour: BLUE }]}
            format={(v) => String(Math.round(v))}
          />
          <Chart
            title="Errors"
            points={live.points}
            lines={[{ key: 'errorsPerSecond', label: 'errors/s', colour: RED }]}
            format={(v) => rate(v)}
          />
        </div>
      </section>
    </>
  )
}
