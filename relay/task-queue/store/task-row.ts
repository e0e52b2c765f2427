import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { declaredTaskError } from '../../../shared/task/error-codes.ts'
import { TASK_STATES, type TaskError, type TaskRecord, type TaskState } from '../../../shared/task/types.ts'
import { ANY, type TrustRequirement, type Verification } from '../../../shared/trust/trust-policy.ts'

/**
 * The task columns, in the order a TaskValues array holds them. Every statement that
 * reads whole tasks selects exactly these and returns arrays (taskStatement): node:sqlite
 * otherwise builds an object with 28 named properties per row, which costs more than the
 * query itself on the lease and settle paths.
 */
export const TASK_COLUMNS = `seq, id, kind, input, input_cid, priority, state, attempt, max_attempts,
  timeout_ms, idempotency_key, requires, tags, metadata, created_at, updated_at, not_before, started_at,
  finished_at, leased_at, worker_id, lease_token, lease_expires_at, progress, output, output_cid, error,
  previous_id, trust, votes, verification, submitter, unverified_peer`

/** One task row as node:sqlite returns it in array mode, columns as in TASK_COLUMNS. */
export type TaskValues = [
  seq: number,
  id: string,
  kind: string,
  input: string | null,
  inputCid: string | null,
  priority: number,
  state: string,
  attempt: number,
  maxAttempts: number,
  timeoutMs: number,
  idempotencyKey: string | null,
  requires: string,
  tags: string,
  metadata: string,
  createdAt: number,
  updatedAt: number,
  notBefore: number,
  startedAt: number | null,
  finishedAt: number | null,
  leasedAt: number | null,
  workerId: string | null,
  leaseToken: number | null,
  leaseExpiresAt: number | null,
  progress: string | null,
  output: string | null,
  outputCid: string | null,
  error: string | null,
  previousId: string | null,
  trust: string | null,
  votes: string | null,
  verification: string | null,
  submitter: string | null,
  unverifiedPeer: string | null,
]

/** Prepares a statement that selects or returns TASK_COLUMNS; its rows come back as TaskValues (Node ≥ 22.16). */
export function taskStatement(db: DatabaseSync, sql: string): StatementSync {
  const statement = db.prepare(sql)
  statement.setReturnArrays(true)
  return statement
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

/** A stored error in the declared vocabulary (rows written before it may hold any code). */
function storedError(value: unknown, damage: Damage): TaskError | null {
  if (value === null) return null
  const { code, message } = (value ?? {}) as { code?: unknown; message?: unknown }
  if (typeof code === 'string' && typeof message === 'string') return declaredTaskError({ code, message })
  damage.columns ??= []
  damage.columns.push('error')
  return null
}

/**
 * A row as a TaskRecord. Never throws: damaged columns read as their empty value and
 * the task's `error` says which columns were unreadable (code STORE_DAMAGED).
 */
export function rowToTask(values: TaskValues): TaskRecord {
  const damage: Damage = { columns: null }
  const [
    seq,
    id,
    kind,
    input,
    inputCid,
    priority,
    state,
    attempt,
    maxAttempts,
    timeoutMs,
    idempotencyKey,
    requires,
    tags,
    metadata,
    createdAt,
    updatedAt,
    notBefore,
    startedAt,
    finishedAt,
    ,
    workerId,
    leaseToken,
    leaseExpiresAt,
    progress,
    output,
    outputCid,
    error,
    previousId,
    trust,
    votes,
    verification,
    submitter,
    unverifiedPeer,
  ] = values
  const trustLevel = trust === null ? ANY : json<TrustRequirement>(trust, ANY, damage, 'trust')
  const task: TaskRecord = {
    id,
    seq,
    kind,
    input: json(input, null, damage, 'input'),
    inputCid,
    priority,
    state: state as TaskState,
    attempt,
    maxAttempts,
    timeoutMs,
    idempotencyKey,
    requires: json(requires, [], damage, 'requires'),
    tags: json(tags, [], damage, 'tags'),
    metadata: json(metadata, {}, damage, 'metadata'),
    createdAt,
    updatedAt,
    notBefore,
    startedAt,
    finishedAt,
    workerId,
    leaseToken,
    leaseExpiresAt,
    progress: json(progress, null, damage, 'progress'),
    output: json(output, undefined, damage, 'output'),
    outputCid,
    error: storedError(json<unknown>(error, null, damage, 'error'), damage),
    previousId,
    trust: trustLevel,
    votes: json(votes, [], damage, 'votes'),
    // A result nobody checked is stored as just its worker (the hot path writes no JSON for it).
    verification:
      unverifiedPeer !== null
        ? { trust: trustLevel.level, verified: false, workers: [unverifiedPeer] }
        : json<Verification | null>(verification, null, damage, 'verification'),
    submitter,
  }
  if (!STATES.has(state)) {
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
