import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { declaredTaskError } from '../../../shared/task/error-codes.ts'
import type { TaskError } from '../../../shared/task/types.ts'
import { relayOfWorker } from './hand-offs.ts'

/** How a lease ended (attempt-schema.ts says when each applies). */
export const ATTEMPT_OUTCOMES = [
  'succeeded',
  'failed',
  'cancelled',
  'requeued',
  'returned',
  'answered',
] as const
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number]

/** One ended lease of a task, as the task_lease_ended trigger recorded it. */
export interface AttemptRecord {
  attempt: number
  /** The worker that held the lease, or null when a member relay ran it. */
  workerId: string | null
  /** The member relay (peer id) the task was handed to, or null. */
  relay: string | null
  startedAt: number | null
  endedAt: number
  outcome: AttemptOutcome
  error: TaskError | null
}

interface AttemptRow {
  attempt: number
  worker: string | null
  started_at: number | null
  ended_at: number
  outcome: string
  error: string | null
}

const OUTCOMES: ReadonlySet<string> = new Set(ATTEMPT_OUTCOMES)

/** Reads the attempt history (task_attempts, written only by the trigger). */
export class TaskAttempts {
  private readonly byTask: StatementSync

  constructor(db: DatabaseSync) {
    this.byTask = db.prepare(
      `SELECT attempt, worker, started_at, ended_at, outcome, error FROM task_attempts
      WHERE task_seq = ? ORDER BY lease_token`,
    )
  }

  /** A task's ended leases, oldest first (the newest max attempts + 16 are kept). */
  of(taskSeq: number): AttemptRecord[] {
    return (this.byTask.all(taskSeq) as unknown as AttemptRow[]).map(toRecord)
  }
}

function toRecord(row: AttemptRow): AttemptRecord {
  const relay = relayOfWorker(row.worker) ?? null
  return {
    attempt: row.attempt,
    workerId: relay === null ? row.worker : null,
    relay,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    // Only the trigger writes the column; anything else reads as requeued rather than failing the read.
    outcome: (OUTCOMES.has(row.outcome) ? row.outcome : 'requeued') as AttemptOutcome,
    error: parseError(row.error),
  }
}

/** A stored error in the declared vocabulary; an unreadable one says so instead of throwing. */
function parseError(text: string | null): TaskError | null {
  if (text === null) return null
  try {
    const { code, message } = (JSON.parse(text) ?? {}) as { code?: unknown; message?: unknown }
    if (typeof code === 'string' && typeof message === 'string') return declaredTaskError({ code, message })
  } catch {}
  return { code: 'STORE_DAMAGED', message: 'unreadable error in the attempt history' }
}
