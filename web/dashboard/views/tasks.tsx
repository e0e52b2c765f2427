import { useState } from 'preact/hooks'
import { TASK_STATES } from '../../../shared/task/types.ts'
import { type CallError, callTool } from '../api.ts'
import { json, ms, shortId, time } from '../format.ts'
import { useToolResult } from '../hooks.ts'
import type { LiveState } from '../live.ts'
import { type Attempt, AttemptsTable, InputValue, type TaskInput } from './task-attempts.tsx'
import { SORT_LABELS, type SortColumn, SortHeader, type TaskSort } from './tasks-sort-header.tsx'

/** A task as p2p_taskqueue_list_tasks and p2p_taskqueue_status report it (the fields shown here). */
interface Task extends TaskInput {
  id: string
  kind: string
  state: string
  priority: number
  attempt: number
  maxAttempts: number
  timeoutMs: number
  createdAt: number
  startedAt: number | null
  finishedAt: number | null
  workerId: string | null
  error: { code?: string; message?: string } | null
  previousId: string | null
  inputCid: string | null
  outputCid: string | null
  requires: string[]
  tags: string[]
  trust: string
  submitter: string | null
  progress: unknown
  /** Only from p2p_taskqueue_status. */
  attempts?: Attempt[]
}

interface TaskPage {
  tasks: Task[]
  total: number
  nextCursor: string | null
  counts: Record<string, number>
}

const PAGE_SIZES = [25, 50, 100]
const CREATED: SortColumn = { label: 'Created', descending: 'newest', ascending: 'oldest' }
const PRIORITY: SortColumn = { label: 'Priority', descending: 'priority', ascending: 'lowest-priority' }

export function TasksView({ live, taskId }: { live: LiveState; taskId: string | undefined }) {
  if (taskId !== undefined) return <TaskDetail taskId={taskId} live={live} />
  return <TaskTable live={live} />
}

function TaskTable({ live }: { live: LiveState }) {
  const [filter, setFilter] = useState({ state: '', kind: '', workerId: '' })
  const [draft, setDraft] = useState(filter)
  const [limit, setLimit] = useState(25)
  const [sort, setSort] = useState<TaskSort>('newest')
  // The cursor of each page after the first: the relay pages by keyset, in the sort asked.
  const [cursors, setCursors] = useState<string[]>([])
  const cursor = cursors.at(-1)
  const params = {
    limit,
    sort,
    ...(cursor === undefined ? {} : { cursor }),
    ...(filter.state === '' ? {} : { states: [filter.state] }),
    ...(filter.kind === '' ? {} : { kind: filter.kind }),
    ...(filter.workerId === '' ? {} : { workerId: filter.workerId }),
  }
  // Listed again when the queue changes (the live counts), or the filter, sort or page does.
  const key = JSON.stringify([params, live.snapshot?.queue, live.snapshot?.counters.tasksSucceeded])
  const page = useToolResult<TaskPage>('p2p_taskqueue_list_tasks', params, key)
  const tasks = page.data?.tasks ?? []
  const total = page.data?.total ?? 0
  const first = cursors.length * limit
  const resort = (next: TaskSort) => {
    setSort(next)
    setCursors([])
  }
  return (
    <>
      <form
        class="filters"
        aria-label="Filter tasks"
        onSubmit={(e) => {
          e.preventDefault()
          setFilter(draft)
          setCursors([])
        }}
      >
        <label>
          State
          <select value={draft.state} onChange={(e) => setDraft({ ...draft, state: e.currentTarget.value })}>
            <option value="">any</option>
            {TASK_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind
          <input value={draft.kind} onInput={(e) => setDraft({ ...draft, kind: e.currentTarget.value })} />
        </label>
        <label>
          Worker id
          <input
            value={draft.workerId}
            onInput={(e) => setDraft({ ...draft, workerId: e.currentTarget.value })}
          />
        </label>
        <label>
          Per page
          <select
            value={String(limit)}
            onChange={(e) => {
              setLimit(Number(e.currentTarget.value))
              setCursors([])
            }}
          >
            {PAGE_SIZES.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
      </form>
      {page.state === 'error' && <ErrorNote error={page.error} />}
      <table id="tasks" data-loaded={page.state === 'ok' ? 'yes' : 'no'} data-sort={sort}>
        <caption>
          {total === 0 ? 'No tasks' : `Tasks ${first + 1}–${first + tasks.length} of ${total}`},{' '}
          {SORT_LABELS[sort]}
        </caption>
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col">Kind</th>
            <th scope="col">State</th>
            <SortHeader column={PRIORITY} sort={sort} onSort={resort} />
            <th scope="col">Attempt</th>
            <SortHeader column={CREATED} sort={sort} onSort={resort} />
            <th scope="col">Worker</th>
            <th scope="col">Took</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => (
            <tr key={t.id} data-task={t.id} data-state={t.state}>
              <td>
                <a href={`#/tasks/${encodeURIComponent(t.id)}`} title={t.id}>
                  {shortId(t.id, 12)}
                </a>
              </td>
              <td>{t.kind}</td>
              <td>{t.state}</td>
              <td>{t.priority}</td>
              <td>
                {t.attempt} / {t.maxAttempts}
              </td>
              <td>{time(t.createdAt)}</td>
              <td title={t.workerId ?? ''}>{shortId(t.workerId)}</td>
              <td>{t.startedAt !== null && t.finishedAt !== null ? ms(t.finishedAt - t.startedAt) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="pager">
        <button
          type="button"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous page
        </button>
        <button
          type="button"
          disabled={!page.data?.nextCursor}
          onClick={() => {
            // A page still loading shows an earlier page, whose cursor is already here.
            const next = page.data?.nextCursor
            if (next && !cursors.includes(next)) setCursors([...cursors, next])
          }}
        >
          Next page
        </button>
      </div>
    </>
  )
}

function TaskDetail({ taskId, live }: { taskId: string; live: LiveState }) {
  const [version, setVersion] = useState(0)
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null)
  const [priority, setPriority] = useState('')
  const key = JSON.stringify([taskId, version, live.snapshot?.queue])
  const status = useToolResult<Task>('p2p_taskqueue_status', { taskId }, key)
  const task = status.data
  const succeeded = task?.state === 'succeeded'
  const result = useToolResult<Record<string, unknown>>(
    'p2p_taskqueue_get_result',
    succeeded ? { taskId } : null,
    `${taskId}:${succeeded}`,
  )
  const act = async (label: string, tool: string, params: Record<string, unknown>) => {
    try {
      const { result } = await callTool<{ task?: Task }>(tool, { taskId, ...params })
      setNotice({
        ok: true,
        text: `${label}: done${result.task ? ` (task ${result.task.id} is ${result.task.state})` : ''}`,
      })
      if (tool === 'p2p_taskqueue_resubmit' && result.task) location.hash = `#/tasks/${result.task.id}`
    } catch (err) {
      const e = err as CallError
      setNotice({ ok: false, text: `${label} refused: ${e.code}: ${e.message}` })
    }
    setVersion((v) => v + 1)
  }
  return (
    <>
      <p>
        <a href="#/tasks">← All tasks</a>
      </p>
      {status.state === 'error' && <ErrorNote error={status.error} />}
      {task === undefined ? (
        <p role="status">Loading task…</p>
      ) : (
        <section aria-labelledby="task-heading" data-task={task.id} data-state={task.state}>
          <h3 id="task-heading">
            Task {task.id} — <span id="task-state">{task.state}</span>
          </h3>
          <div class="actions">
            <button
              type="button"
              disabled={!['queued', 'leased', 'running'].includes(task.state)}
              onClick={() =>
                act('Cancel', 'p2p_taskqueue_cancel', { reason: 'cancelled from the dashboard' })
              }
            >
              Cancel task
            </button>
            <button
              type="button"
              disabled={!['failed', 'cancelled'].includes(task.state)}
              onClick={() => act('Resubmit', 'p2p_taskqueue_resubmit', {})}
            >
              Resubmit
            </button>
            <form
              onSubmit={(e) => {
                e.preventDefault()
                void act('Priority', 'p2p_taskqueue_priority', { priority: Number(priority) })
              }}
            >
              <label>
                Priority
                <input
                  type="number"
                  min={-1000}
                  max={1000}
                  step={1}
                  required
                  value={priority}
                  placeholder={String(task.priority)}
                  onInput={(e) => setPriority(e.currentTarget.value)}
                />
              </label>
              <button type="submit" disabled={task.state !== 'queued'}>
                Set priority
              </button>
            </form>
          </div>
          <p role="status" class={notice?.ok === false ? 'bad' : ''}>
            {notice?.text ?? ''}
          </p>
          <dl class="facts">
            <dt>Kind</dt>
            <dd>{task.kind}</dd>
            <dt>Priority</dt>
            <dd>{task.priority}</dd>
            <dt>Attempt</dt>
            <dd>
              {task.attempt} of {task.maxAttempts} (timeout {ms(task.timeoutMs)} each)
            </dd>
            <dt>Worker</dt>
            <dd>{task.workerId ?? '—'}</dd>
            <dt>Created</dt>
            <dd>{time(task.createdAt)}</dd>
            <dt>Started</dt>
            <dd>{time(task.startedAt)}</dd>
            <dt>Finished</dt>
            <dd>{time(task.finishedAt)}</dd>
            <dt>Run time</dt>
            <dd>
              {task.startedAt !== null && task.finishedAt !== null
                ? ms(task.finishedAt - task.startedAt)
                : '—'}
            </dd>
            <dt>Requires</dt>
            <dd>{task.requires.join(', ') || '—'}</dd>
            <dt>Trust</dt>
            <dd>{task.trust}</dd>
            <dt>Submitter</dt>
            <dd>{task.submitter ?? '—'}</dd>
            <dt>Input</dt>
            <dd>{task.inputCid === null ? <InputValue task={task} /> : <Cid cid={task.inputCid} />}</dd>
            <dt>Output</dt>
            <dd>{task.outputCid === null ? 'inline' : <Cid cid={task.outputCid} />}</dd>
            <dt>Previous attempt as task</dt>
            <dd>
              {task.previousId === null ? '—' : <a href={`#/tasks/${task.previousId}`}>{task.previousId}</a>}
            </dd>
          </dl>
          <h4>Attempts</h4>
          <AttemptsTable attempts={task.attempts ?? []} current={task.workerId} />
          {task.error !== null && (
            <>
              <h4>Last error</h4>
              <pre>{json(task.error)}</pre>
            </>
          )}
          {succeeded && (
            <>
              <h4>Output</h4>
              <pre id="task-output">{result.data === undefined ? 'Loading…' : json(result.data)}</pre>
            </>
          )}
        </section>
      )}
    </>
  )
}

/** A CID, with a link that opens ipfs_cat on it in the Tools view. */
function Cid({ cid }: { cid: string }) {
  return (
    <>
      <code>{cid}</code> (<a href={`#/tools/ipfs_cat?cid=${encodeURIComponent(cid)}`}>fetch with ipfs_cat</a>)
    </>
  )
}

export function ErrorNote({ error }: { error: CallError }) {
  return (
    <p role="alert" class="bad">
      {error.code}: {error.message}
      {error.status === 401 ? ' Enter the relay token below.' : ''}
    </p>
  )
}
