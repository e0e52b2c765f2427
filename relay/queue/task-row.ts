import { TASK_STATES, type TaskRecord, type TaskState } from '../../shared/task/types.ts'

/** A row of the tasks table as node:sqlite returns it. */
export interface TaskRow {
  seq: number
  id: string
  kind: string
  input: string | null
  input_cid: string | null
  priority: number
  state: string
  attempt: number
  max_attempts: number
  timeout_ms: number
  idempotency_key: string | null
  requires: string
  tags: string
  metadata: string
  created_at: number
  updated_at: number
  not_before: number
  started_at: number | null
  finished_at: number | null
  leased_at: number | null
  worker_id: string | null
  lease_token: number | null
  lease_expires_at: number | null
  progress: string | null
  output: string | null
  output_cid: string | null
  error: string | null
  previous_id: string | null
}

/** Column names whose JSON could not be read, for one row (allocated only when needed). */
type Damage = { columns: string[] | null }

/**
 * Parses a JSON column. A damaged value (edited by hand, disk trouble) must not make
 * the whole queue unreadable: it is reported through `damage` and read as the fallback.
 */
function json<T>(text: string | null, fallback: T, damage: Damage, column: string): T {
  if (text === null) return fallback
  // The usual empty values, without the parser.
  if (text === '[]') return [] as T
  if (text === '{}') return {} as T
  try {
    return JSON.parse(text) as T
  } catch {
    damage.columns ??= []
    damage.columns.push(column)
    return fallback
  }
}

const STATES: ReadonlySet<string> = new Set(TASK_STATES)

/**
 * A row as a TaskRecord. Never throws: damaged columns read as their empty value and
 * the task's `error` says which columns were unreadable (code STORE_DAMAGED).
 */
export function rowToTask(row: TaskRow): TaskRecord {
  const damage: Damage = { columns: null }
  const task: TaskRecord = {
    id: row.id,
    seq: row.seq,
    kind: row.kind,
    input: json(row.input, null, damage, 'input'),
    inputCid: row.input_cid,
    priority: row.priority,
    state: row.state as TaskState,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    idempotencyKey: row.idempotency_key,
    requires: json(row.requires, [], damage, 'requires'),
    tags: json(row.tags, [], damage, 'tags'),
    metadata: json(row.metadata, {}, damage, 'metadata'),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    notBefore: row.not_before,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    workerId: row.worker_id,
    leaseToken: row.lease_token,
    leaseExpiresAt: row.lease_expires_at,
    progress: json(row.progress, null, damage, 'progress'),
    output: json(row.output, undefined, damage, 'output'),
    outputCid: row.output_cid,
    error: json(row.error, null, damage, 'error'),
    previousId: row.previous_id,
  }
  if (!STATES.has(row.state)) {
    damage.columns ??= []
    damage.columns.push('state')
  }
  if (damage.columns !== null) {
    task.error = {
      code: 'STORE_DAMAGED',
      message: `unreadable column(s) in the task store: ${damage.columns.join(', ')}`,
    }
  }
  return task
}
