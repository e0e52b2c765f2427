import { json, ms, shortId, time } from '../format.ts'

/** One ended lease, as p2p_taskqueue_status lists it in `attempts` (oldest first). */
export interface Attempt {
  attempt: number
  workerId: string | null
  relay: string | null
  startedAt: number | null
  endedAt: number
  outcome: string
  error: { code?: string; message?: string } | null
}

/** The input fields of p2p_taskqueue_status: inline (small), its size (too large to show), or a CID. */
export interface TaskInput {
  input?: unknown
  inputTooLarge?: { bytes: number; limit: number }
}

/** The task's input: inline JSON, a note that it is too large to show, or `cid` (rendered by the caller). */
export function InputValue({ task }: { task: TaskInput }) {
  if (task.inputTooLarge !== undefined) {
    const { bytes, limit } = task.inputTooLarge
    return (
      <>
        inline, {bytes.toLocaleString()} bytes: too large to show here (over {limit.toLocaleString()} bytes)
      </>
    )
  }
  return <pre id="task-input">{'input' in task ? json(task.input) : 'none'}</pre>
}

/** Every ended lease of the task: who ran it, when, for how long, and how it ended. */
export function AttemptsTable({ attempts, current }: { attempts: Attempt[]; current: string | null }) {
  return (
    <table id="task-attempts">
      <caption>
        Attempts, oldest first
        {current === null
          ? ''
          : `; the current lease (worker ${shortId(current)}) is not listed until it ends`}
      </caption>
      <thead>
        <tr>
          <th scope="col">Attempt</th>
          <th scope="col">Worker</th>
          <th scope="col">Started</th>
          <th scope="col">Ended</th>
          <th scope="col">Took</th>
          <th scope="col">Outcome</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        {attempts.length === 0 && (
          <tr>
            <td colSpan={7}>No attempt has ended yet</td>
          </tr>
        )}
        {attempts.map((a, i) => (
          <tr key={`${i}:${a.attempt}`} data-attempt={a.attempt} data-outcome={a.outcome}>
            <td>{a.attempt}</td>
            <td title={a.workerId ?? a.relay ?? ''}>
              {a.relay === null ? shortId(a.workerId) : `member relay ${shortId(a.relay)}`}
            </td>
            <td>{time(a.startedAt)}</td>
            <td>{time(a.endedAt)}</td>
            <td>{a.startedAt === null ? '—' : ms(a.endedAt - a.startedAt)}</td>
            <td>{a.outcome}</td>
            <td data-col="error">{a.error === null ? '—' : `${a.error.code}: ${a.error.message}`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
