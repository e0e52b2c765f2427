import { Dag, type DagData } from '../dag.tsx'
import { shortId, time } from '../format.ts'
import { useToolResult } from '../hooks.ts'
import type { LiveState } from '../live.ts'
import { ErrorNote } from './tasks.tsx'

interface WorkflowRecord {
  id: string
  name: string | null
  state: string
  tags: string[]
  submitter: string | null
  counts: Record<string, number>
  createdAt: number
  finishedAt: number | null
}

export function WorkflowsView({ live, workflowId }: { live: LiveState; workflowId: string | undefined }) {
  return workflowId === undefined ? (
    <WorkflowList live={live} />
  ) : (
    <WorkflowDetail live={live} id={workflowId} />
  )
}

function WorkflowList({ live }: { live: LiveState }) {
  const key = JSON.stringify(live.snapshot?.workflows ?? null)
  const page = useToolResult<{ workflows: WorkflowRecord[]; total: number }>(
    'p2p_workflow_list',
    { limit: 50 },
    key,
  )
  return (
    <>
      {page.state === 'error' && <ErrorNote error={page.error} />}
      <table id="workflows" data-loaded={page.state === 'ok' ? 'yes' : 'no'}>
        <caption>
          {page.data === undefined ? 'Loading…' : `${page.data.total} workflows, newest 50 shown`}
        </caption>
        <thead>
          <tr>
            <th scope="col">Workflow</th>
            <th scope="col">Name</th>
            <th scope="col">State</th>
            <th scope="col">Steps by state</th>
            <th scope="col">Created</th>
            <th scope="col">Finished</th>
          </tr>
        </thead>
        <tbody>
          {(page.data?.workflows ?? []).map((w) => (
            <tr key={w.id} data-workflow={w.id} data-state={w.state}>
              <td>
                <a href={`#/workflows/${encodeURIComponent(w.id)}`} title={w.id}>
                  {shortId(w.id, 12)}
                </a>
              </td>
              <td>{w.name ?? '—'}</td>
              <td>{w.state}</td>
              <td>
                {Object.entries(w.counts)
                  .filter(([, n]) => n > 0)
                  .map(([s, n]) => `${s} ${n}`)
                  .join(', ')}
              </td>
              <td>{time(w.createdAt)}</td>
              <td>{time(w.finishedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

function WorkflowDetail({ live, id }: { live: LiveState; id: string }) {
  // Follows the live snapshot while anything runs; the graph recolours as steps move.
  const key = JSON.stringify([id, live.snapshot?.queue, live.snapshot?.workflows])
  const dag = useToolResult<DagData>('p2p_workflow_get_dag', { workflowId: id }, key)
  return (
    <>
      <p>
        <a href="#/workflows">← All workflows</a>
      </p>
      <h3>Workflow {id}</h3>
      {dag.state === 'error' && <ErrorNote error={dag.error} />}
      {dag.data !== undefined && <Dag dag={dag.data} />}
    </>
  )
}
