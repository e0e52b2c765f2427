import type { TrustRequirement, Verification, Vote } from '../trust/trust-policy.ts'
import type { TaskErrorCode } from './error-codes.ts'

/**
 * The task model shared by the relay's durable queue, the wire protocol and the
 * workers. A task is one unit of P2P work of a given `kind` with a JSON input.
 */

/** A task moves `queued → leased → running → succeeded | failed | cancelled` (the last three end it). */
export type TaskState = 'queued' | 'leased' | 'running' | 'succeeded' | 'failed' | 'cancelled'

export const TASK_STATES: readonly TaskState[] = [
  'queued',
  'leased',
  'running',
  'succeeded',
  'failed',
  'cancelled',
]

export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set(['succeeded', 'failed', 'cancelled'])

/** The task kinds every worker implements. */
export const BUILTIN_TASK_KINDS = ['echo', 'sha256', 'embed', 'wasm'] as const
export type BuiltinTaskKind = (typeof BUILTIN_TASK_KINDS)[number]

export interface TaskError {
  /** One of the declared codes (error-codes.ts), e.g. TIMEOUT, CANCELLED, INVALID_INPUT. */
  code: TaskErrorCode
  message: string
}

export interface TaskProgress {
  progress: number
  total?: number | undefined
  message?: string | undefined
}

/** What a client asks for when it submits a task. */
export interface TaskSpec {
  kind: string
  /** JSON input; large inputs travel as `inputCid` instead. */
  input?: unknown | undefined
  /** CID of a block holding the JSON input (for inputs above the inline limit). */
  inputCid?: string | undefined
  /** Higher runs first; FIFO within a priority. */
  priority?: number | undefined
  maxAttempts?: number | undefined
  timeoutMs?: number | undefined
  idempotencyKey?: string | undefined
  /** Capabilities a worker must announce (besides the kind itself). */
  requires?: string[] | undefined
  tags?: string[] | undefined
  metadata?: Record<string, unknown> | undefined
  /** How much a worker's answer is checked (any when absent). */
  trust?: TrustRequirement | undefined
  /** The identity that submitted it (quotas; the trust policy by identity). */
  submitter?: string | undefined
}

/** A task as stored and reported. Times are epoch milliseconds. */
export interface TaskRecord {
  id: string
  /** Insertion order; breaks ties within a priority (FIFO). */
  seq: number
  kind: string
  input: unknown
  inputCid: string | null
  priority: number
  state: TaskState
  /** Attempts started so far (a lease starts an attempt). */
  attempt: number
  maxAttempts: number
  timeoutMs: number
  idempotencyKey: string | null
  requires: string[]
  tags: string[]
  metadata: Record<string, unknown>
  createdAt: number
  updatedAt: number
  /** A queued task is not leased before this time (retry backoff). */
  notBefore: number
  startedAt: number | null
  finishedAt: number | null
  workerId: string | null
  /** Fencing token of the current lease; results carrying another token are rejected. */
  leaseToken: number | null
  leaseExpiresAt: number | null
  progress: TaskProgress | null
  output: unknown
  outputCid: string | null
  error: TaskError | null
  /** The task this one re-submits, if any (an attempt chain). */
  previousId: string | null
  trust: TrustRequirement
  /** Quorum answers so far (who, and a digest of what each said). */
  votes: Vote[]
  /** How the result was checked; null until the task succeeded or failed on a worker's word. */
  verification: Verification | null
  submitter: string | null
}
