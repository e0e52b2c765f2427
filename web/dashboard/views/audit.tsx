import { useState } from 'preact/hooks'
import { shortId, time } from '../format.ts'
import { useToolResult } from '../hooks.ts'
import { ErrorNote } from './tasks.tsx'

interface AuditEntry {
  seq: number
  time: number
  tool: string
  sessionId: string | null
  identity: string | null
  outcome: string
  runtime: string | null
  durationMs: number
  hash: string
}

const LIMIT = 100

export function AuditView() {
  const [filter, setFilter] = useState({ tool: '', identity: '', outcome: '' })
  const [draft, setDraft] = useState(filter)
  const [version, setVersion] = useState(0)
  const params = {
    limit: LIMIT,
    ...(filter.tool === '' ? {} : { tool: filter.tool }),
    ...(filter.outcome === '' ? {} : { outcome: filter.outcome }),
    ...(filter.identity === '' ? {} : { identity: filter.identity }),
  }
  const key = JSON.stringify([params, version])
  const entries = useToolResult<{ entries: AuditEntry[]; total: number }>('audit_query', params, key)
  const verify = useToolResult<{ ok: boolean; checked: number; brokenAt?: number; problem?: string }>(
    'audit_verify',
    {},
    String(version),
  )
  const shown = entries.data?.entries ?? []
  return (
    <>
      <p id="audit-chain" role="status" data-ok={verify.data === undefined ? '' : String(verify.data.ok)}>
        {verify.data === undefined
          ? 'Verifying the hash chain…'
          : verify.data.ok
            ? `Hash chain verified: ${verify.data.checked} entries, none altered or removed.`
            : `Hash chain BROKEN at entry ${verify.data.brokenAt}: ${verify.data.problem}`}
      </p>
      <form
        class="filters"
        aria-label="Filter audit entries"
        onSubmit={(e) => {
          e.preventDefault()
          setFilter(draft)
          setVersion((v) => v + 1)
        }}
      >
        <label>
          Tool
          <input value={draft.tool} onInput={(e) => setDraft({ ...draft, tool: e.currentTarget.value })} />
        </label>
        <label>
          Identity
          <input
            value={draft.identity}
            placeholder="anonymous"
            onInput={(e) => setDraft({ ...draft, identity: e.currentTarget.value })}
          />
        </label>
        <label>
          Outcome
          <input
            value={draft.outcome}
            placeholder="ok, INVALID_PARAMS…"
            onInput={(e) => setDraft({ ...draft, outcome: e.currentTarget.value })}
          />
        </label>
        <button type="submit">Apply and refresh</button>
      </form>
      {entries.state === 'error' && <ErrorNote error={entries.error} />}
      {verify.state === 'error' && <ErrorNote error={verify.error} />}
      <table id="audit" data-loaded={entries.state === 'ok' ? 'yes' : 'no'}>
        <caption>
          {entries.data === undefined
            ? 'Loading…'
            : `Latest ${shown.length} of ${entries.data.total} matching entries (at most ${LIMIT} read)`}
        </caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Tool</th>
            <th scope="col">Identity</th>
            <th scope="col">Outcome</th>
            <th scope="col">Runtime</th>
            <th scope="col">Duration</th>
            <th scope="col">Hash</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((e) => (
            <tr key={e.seq} data-tool={e.tool} data-outcome={e.outcome}>
              <td>{e.seq}</td>
              <td>{time(e.time)}</td>
              <td>{e.tool}</td>
              <td>{e.identity ?? 'anonymous'}</td>
              <td>{e.outcome}</td>
              <td>{e.runtime ?? '—'}</td>
              <td>{e.durationMs.toFixed(1)} ms</td>
              <td title={e.hash}>
                <code>{shortId(e.hash, 12)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}
