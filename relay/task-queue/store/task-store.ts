import { DatabaseSync, type StatementSync } from 'node:sqlite'
import type { TaskError, TaskProgress, TaskRecord, TaskSpec, TaskState } from '../../../shared/task/types.ts'
import { type ForwardedRecord, ForwardedTasks, type ForwardOrigin } from './forwarded-tasks.ts'
import { HandOffs } from './hand-offs.ts'
import { KnownKinds } from './known-kinds.ts'
import { LeaseGroups } from './lease-groups.ts'
import { TaskAttempts } from './task-attempts.ts'
import { type Submitted, TaskInserts } from './task-inserts.ts'
import type { ListFilter, TaskPage } from './task-listing.ts'
import { type QueueStats, TaskQueries } from './task-queries.ts'
import { TaskReleases } from './task-releases.ts'
import { TaskRetention } from './task-retention.ts'
import { TaskRounds } from './task-rounds.ts'
import { rowToTask, TASK_COLUMNS, type TaskValues, taskStatement } from './task-row.ts'
import { migrate } from './task-schema.ts'
import { type ResubmitResult, TaskSubmissions } from './task-submissions.ts'
import {
  type CancelResult,
  type PatchResult,
  type Settle,
  type SettleResult,
  type TaskPatch,
  TaskTransitions,
  type VoteItem,
  type VoteResult,
} from './task-transitions.ts'
import { WorkflowStore } from './workflow-store.ts'

export type {
  CancelResult,
  ForwardedRecord,
  ForwardOrigin,
  ListFilter,
  PatchResult,
  QueueStats,
  ResubmitResult,
  Settle,
  SettleResult,
  Submitted,
  TaskPage,
  TaskPatch,
  VoteItem,
  VoteResult,
}

export interface LeaseRequest {
  workerId: string
  /** The worker's PeerId (default: workerId): a quorum task is never leased twice to one peer. */
  peerId?: string
  kinds: readonly string[]
  capabilities: readonly string[]
  limit: number
  leaseMs: number
}

/**
 * The durable task queue in an SQLite file (node:sqlite). WAL with synchronous=NORMAL:
 * a committed transaction survives a crash or `kill -9` of the process (the WAL write
 * has reached the OS before COMMIT returns); only a power loss or OS crash can drop the
 * last transactions. Every method that changes state commits before it returns, so
 * "acknowledged" means "durable". Fenced transitions of leased tasks live in
 * TaskTransitions, reads in TaskQueries, new rows in TaskInserts, submissions
 * (idempotency) in TaskSubmissions, leases ending without a result in TaskReleases,
 * a round's group commits in TaskRounds, lease candidate selection in LeaseGroups; this class owns the database, transactions
 * and leasing.
 */
export class TaskStore {
  private readonly db: DatabaseSync
  private readonly path: string
  private readonly now: () => number
  private readonly stmts: Record<'fence' | 'lease' | 'anyQueued', StatementSync>
  private readonly inserts: TaskInserts
  private readonly groups: LeaseGroups
  private readonly queries: TaskQueries
  readonly transitions: TaskTransitions
  /** Every kind a worker has announced (tasks.unknownKinds). */
  readonly kinds: KnownKinds
  /** Tasks this relay runs for a member relay that owns them (issue 11). */
  readonly forwarded: ForwardedTasks
  /** Leases of tasks this relay owns and a member relay runs (issue 11). */
  readonly handOffs: HandOffs
  /** Workflows, their steps and map items (issue 12); a task's settlement moves its step in the same transaction. */
  readonly workflows: WorkflowStore
  /** Each task's ended leases (issue 13), written by a trigger (attempt-schema.ts). */
  readonly attempts: TaskAttempts
  /** Removal of finished tasks and workflows (issue 16); the sweep is relay/retention/. */
  readonly retention: TaskRetention
  private readonly submissions: TaskSubmissions
  private readonly releases: TaskReleases
  private readonly rounds: TaskRounds
  private inTransaction = false

  constructor(path: string, now: () => number = Date.now) {
    this.now = now
    this.path = path
    this.db = new DatabaseSync(path)
    // wal_autocheckpoint: checkpoint (the only fsync in NORMAL mode) every ~16 MB of WAL rather than 4 MB.
    this.db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 4000;',
    )
    migrate(this.db, path)
    this.stmts = {
      anyQueued: this.db.prepare(`SELECT 1 FROM tasks WHERE state = 'queued' LIMIT 1`),
      fence: this.db.prepare(`UPDATE queue_meta SET value = value + ? WHERE key = 'fence' RETURNING value`),
      // One statement per lease round: the chosen seqs arrive as a JSON array, and each
      // task's fencing token is the round's first token plus its position in the array.
      lease: taskStatement(
        this.db,
        `UPDATE tasks SET state = 'leased', attempt = attempt + 1, worker_id = ?1,
        lease_token = ?2 + (SELECT key FROM json_each(?5) WHERE value = tasks.seq), leased_at = ?3,
        lease_expires_at = ?4, started_at = COALESCE(started_at, ?3), updated_at = ?3, progress = NULL
        WHERE seq IN (SELECT value FROM json_each(?5)) AND state = 'queued' RETURNING ${TASK_COLUMNS}`,
      ),
    }
    this.groups = new LeaseGroups(this.db)
    this.inserts = new TaskInserts(this.db, now, this.groups)
    this.queries = new TaskQueries(this.db, now)
    this.transitions = new TaskTransitions(this.db, now)
    this.kinds = new KnownKinds(this.db)
    this.forwarded = new ForwardedTasks(this.db)
    this.handOffs = new HandOffs(this.db, now)
    this.workflows = new WorkflowStore(this.db, now, (fn) => this.tx(fn))
    this.attempts = new TaskAttempts(this.db)
    this.retention = new TaskRetention(this.db, (fn) => this.tx(fn))
    const tx = <T>(fn: () => T): T => this.tx(fn)
    this.submissions = new TaskSubmissions({
      now,
      inserts: this.inserts,
      queries: this.queries,
      forwarded: this.forwarded,
      tx,
    })
    this.releases = new TaskReleases(this.transitions, now, tx)
    this.rounds = new TaskRounds(this.transitions, this.groups, tx)
  }

  /**
   * Runs `fn` in one transaction with every store method it calls (e.g. a workflow
   * step marked running and its task submitted): all of it commits, or none if `fn`
   * throws. Nested calls join the outer transaction.
   */
  transaction<T>(fn: () => T): T {
    return this.tx(fn)
  }

  acceptForwarded(spec: TaskSpec, origin: ForwardOrigin): { task: TaskRecord; created: boolean } {
    return this.submissions.acceptForwarded(spec, origin)
  }

  /** Leases the queued task `id` to a member relay's pseudo-worker with a new fencing token. */
  leaseTo(id: string, workerId: string, leaseMs: number): TaskRecord | undefined {
    return this.tx(() => this.handOffs.leaseTo(id, workerId, leaseMs))
  }

  submit(specs: readonly TaskSpec[]): Submitted[] {
    return this.submissions.submit(specs)
  }

  resubmit(id: string): ResubmitResult {
    return this.submissions.resubmit(id)
  }

  get(id: string): TaskRecord | undefined {
    return this.queries.get(id)
  }

  getMany(ids: readonly string[]): TaskRecord[] {
    return this.queries.getMany(ids)
  }

  list(filter: ListFilter): TaskPage {
    return this.queries.list(filter)
  }

  countsByState(): Record<TaskState, number> {
    return this.queries.countsByState()
  }

  /** Queued tasks of the same kind that run before this one, counted up to `limit`. */
  queuedAhead(task: Pick<TaskRecord, 'kind' | 'priority' | 'seq'>, limit: number): number {
    return this.queries.queuedAhead(task, limit)
  }

  waitingCount(): number {
    return this.queries.waitingCount()
  }

  stats(): QueueStats {
    return this.queries.stats()
  }

  /**
   * Whether any task is queued (one index probe). A round with nothing queued leases
   * nothing, so the dispatcher skips its per-worker lease transactions: with 1,000 idle
   * workers they cost a core's fifth on every 250 ms tick (issue 11's bench).
   */
  hasQueued(): boolean {
    return this.stmts.anyQueued.get() !== undefined
  }

  /**
   * Leases up to `limit` of the best ready queued tasks this worker can run (kind and
   * every required capability), each with a new fencing token from a counter kept in
   * the database, so tokens only grow, also across restarts. One transaction.
   */
  leaseNext(request: LeaseRequest): TaskRecord[] {
    if (request.limit <= 0 || request.kinds.length === 0) return []
    const worker = { kinds: new Set(request.kinds), capabilities: new Set(request.capabilities) }
    return this.tx(() => {
      const now = this.now()
      const chosen = this.groups.pick(worker, now, request.limit, request.peerId ?? request.workerId)
      if (chosen.length === 0) return []
      const last = (this.stmts.fence.get(chosen.length) as { value: number }).value
      const first = last - chosen.length + 1
      const expires = now + request.leaseMs
      const rows = this.stmts.lease.all(
        request.workerId,
        first,
        now,
        expires,
        JSON.stringify(chosen),
      ) as unknown as TaskValues[]
      return rows.map(rowToTask).sort((a, b) => (a.leaseToken as number) - (b.leaseToken as number))
    })
  }

  settleMany(items: readonly Settle[]): SettleResult[] {
    return this.rounds.settleMany(items)
  }

  applyRound(
    started: ReadonlyArray<{ id: string; token: number }>,
    settles: readonly Settle[],
    votes: readonly VoteItem[] = [],
  ): { settled: SettleResult[]; voted: VoteResult[] } {
    return this.rounds.applyRound(started, settles, votes)
  }

  voteMany(items: readonly VoteItem[]): VoteResult[] {
    return this.rounds.voteMany(items)
  }

  discardUnverified(peerId: string, since: number, limit: number): TaskRecord[] {
    return this.rounds.discardUnverified(peerId, since, limit)
  }

  /** Unfinished tasks an identity submitted (queued, leased or running). */
  activeBySubmitter(submitter: string): number {
    return this.queries.activeBySubmitter(submitter)
  }

  /** Unfinished tasks in all. */
  activeTotal(): number {
    return this.queries.activeTotal()
  }

  /** The worker started the attempt: leased → running, and the attempt's time limit restarts. */
  markRunning(id: string, token: number): boolean {
    return this.transitions.markRunning(id, token)
  }

  progress(id: string, token: number, progress: TaskProgress): boolean {
    return this.transitions.progress(id, token, progress)
  }

  complete(
    id: string,
    token: number,
    result: { output?: unknown; outputCid?: string | undefined },
  ): SettleResult {
    return this.transitions.settle({ id, token, ok: true, ...result })
  }

  /** Retryable with attempts left → queued again after `retryDelayMs`; otherwise failed. */
  fail(
    id: string,
    token: number,
    error: TaskError,
    retry: { retryable: boolean; retryDelayMs: number },
  ): SettleResult {
    return this.transitions.settle({ id, token, ok: false, error, ...retry })
  }

  renewLeases(workerId: string, leaseMs: number): number {
    return this.transitions.renewLeases(workerId, leaseMs)
  }

  releaseWorker(workerId: string, reason: TaskError): TaskRecord[] {
    return this.releases.releaseWorker(workerId, reason)
  }

  releaseAll(reason: TaskError): TaskRecord[] {
    return this.releases.releaseAll(reason)
  }

  returnLeases(reason: TaskError): TaskRecord[] {
    return this.releases.returnLeases(reason)
  }

  expireLeases(): TaskRecord[] {
    return this.releases.expireLeases()
  }

  /** Active attempts past their timeout; the caller stops them on the worker and fails them (TIMEOUT). */
  timedOut(): TaskRecord[] {
    return this.transitions.timedOut()
  }

  /** Cancels a queued or active task; an active one loses its lease, so its result will be stale. */
  cancel(id: string, reason = 'cancelled'): CancelResult {
    return this.tx(() => this.transitions.cancel(id, reason))
  }

  setPriority(id: string, priority: number): PatchResult {
    return this.transitions.patchQueued(id, 'priority = ?', [priority])
  }

  /** Changes fields of a task that is still queued. */
  update(id: string, patch: TaskPatch): PatchResult {
    return this.transitions.patchFields(id, patch)
  }

  close(): void {
    this.db.close()
  }

  /** Its file and connection while open, for the checkpointer (relay/store/checkpointer.ts). */
  walFile(): { path: string; db: DatabaseSync } | undefined {
    return this.db.isOpen ? { path: this.path, db: this.db } : undefined
  }

  /** Runs `fn` in one IMMEDIATE transaction; nested calls join the outer one. */
  private tx<T>(fn: () => T): T {
    if (this.inTransaction) return fn()
    this.db.exec('BEGIN IMMEDIATE')
    this.inTransaction = true
    try {
      const result = fn()
      this.db.exec('COMMIT')
      return result
    } catch (err) {
      // SQLite has already rolled back after SQLITE_FULL (and some I/O errors); a second
      // ROLLBACK would throw and hide the error that says the disk is full.
      if (this.db.isTransaction) this.db.exec('ROLLBACK')
      throw err
    } finally {
      this.inTransaction = false
    }
  }
}
