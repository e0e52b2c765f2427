import type { Counter } from 'prom-client'
import type { Startable } from '../../shared/startable.ts'
import type { TaskProgress, TaskRecord, TaskSpec, TaskState } from '../../shared/task/types.ts'
import type { PeerStanding } from '../../shared/trust/standing.ts'
import type { Capacity } from '../../shared/wire/announce-messages.ts'
import type { Logger } from '../log.ts'
import type { ContentStore } from '../p2p/content-store.ts'
import type { WalFile } from '../store/checkpointer.ts'
import type { BanNotice, PeerStandingStore } from '../trust/peer-standing-store.ts'
import type { Verifier } from '../trust/verifier.ts'
import { Dispatcher } from './dispatcher.ts'
import { handleBans } from './on-ban.ts'
import { RelaySide } from './relay-side.ts'
import type { AttemptRecord } from './store/task-attempts.ts'
import type { TaskRetention } from './store/task-retention.ts'
import type {
  CancelResult,
  ListFilter,
  PatchResult,
  ResubmitResult,
  Submitted,
  TaskPage,
  TaskPatch,
  TaskStore,
} from './store/task-store.ts'
import { type SubmitOutcome, TaskIntake } from './task-intake.ts'
import type { TaskMetrics } from './task-metrics.ts'
import type { TaskPolicy, TaskSubject } from './task-policy.ts'
import { TaskReads } from './task-reads.ts'
import { TaskWaiters } from './task-waiters.ts'
import { type WaitManyOptions, type WaitOptions, waitForTasks } from './wait-many.ts'
import { WorkerSide } from './worker-side.ts'
import type { WorkerRegistry, WorkerStatsRecord } from './workers/worker-registry.ts'
import { WorkflowSide } from './workflow-side.ts'

export interface TaskServiceInit {
  store: TaskStore
  /** Where payloads above the inline limit live (the relay's Helia blockstore). */
  content: ContentStore
  registry: WorkerRegistry
  metrics: TaskMetrics
  log: Logger
  now: () => number
  leaseMs: number
  heartbeatMs: number
  violations: Counter<'problem'>
  /** How often leases, timeouts and backoffs are checked. */
  tickMs: number
  random?: () => number
  /** Every peer's strikes, bans and reputation (issue 9). */
  standing: PeerStandingStore
  /** Recomputes spot-checked answers on the relay. */
  verifier: Verifier
  /** Trust, member-only routing, quotas and unknown kinds for submitted work. */
  policy: TaskPolicy
  /** Whether a member relay announces workers of `kind` now: such a kind is known here too (issue 11). */
  membersRun?: (kind: string) => boolean
}

export type { Submitted } from './store/task-store.ts'

/**
 * The relay's task queue, and the only way in (issue 10): tools, the P2P runtime, the
 * wire protocols and the relay directory call these methods, and each one does all
 * of its bookkeeping (metrics, quota, assignment). Durable state lives in the
 * TaskStore, live state (connected workers, waiters, progress) in memory; the
 * Dispatcher assigns work. None of the parts is reachable from outside.
 */
export class TaskService implements Startable {
  readonly #init: TaskServiceInit
  readonly #waiters = new TaskWaiters()
  readonly #dispatcher: Dispatcher
  readonly #workerSide: WorkerSide
  readonly #relaySide: RelaySide
  readonly #workflowSide: WorkflowSide
  readonly #intake: TaskIntake
  readonly #reads: TaskReads
  #stopped = false

  constructor(init: TaskServiceInit) {
    this.#init = init
    this.#dispatcher = new Dispatcher({ ...init, waiters: this.#waiters, random: init.random ?? Math.random })
    this.#workerSide = new WorkerSide({ ...init, waiters: this.#waiters, dispatcher: this.#dispatcher })
    this.#relaySide = new RelaySide({ ...init, waiters: this.#waiters, dispatcher: this.#dispatcher })
    this.#workflowSide = new WorkflowSide({
      ...init,
      relaySide: this.#relaySide,
      submitted: (tasks) => this.#submitted(tasks),
    })
    this.#intake = new TaskIntake({ ...init, submitted: (tasks) => this.#submitted(tasks) })
    this.#reads = new TaskReads({ ...init, waiters: this.#waiters })
    handleBans({
      standing: init.standing,
      store: init.store,
      bans: init.metrics.bans,
      log: init.log,
      now: init.now,
      pump: () => this.#dispatcher.pump(),
    })
  }

  /** Starts assigning work and checking leases and time limits. */
  start(): void {
    this.#dispatcher.start()
  }

  /** The queue's SQLite files, for a compute thread (relay/store/checkpointer.ts). */
  walFiles(): Array<[store: string, file: WalFile]> {
    return [
      ['tasks', () => this.#init.store.walFile()],
      ['peers', () => this.#init.standing.walFile()],
    ]
  }

  /** Stops assigning and closes the queue's files; safe to call more than once. */
  stop(): void {
    if (this.#stopped) return
    this.#stopped = true
    this.#dispatcher.stop()
    this.#init.verifier.close()
    this.#init.store.close()
    this.#init.standing.close()
  }

  /**
   * The relay is stopping: no more assignments, and every leased task goes back to the
   * queue without spending its attempt (README: a running task goes back to the queue).
   * Runs before the workers' connections close, so their disconnects, which would count
   * the attempt (WORKER_LOST), find nothing left to release.
   */
  returnLeases(): void {
    if (this.#stopped) return
    this.#dispatcher.stop()
    const released = this.#init.store.returnLeases({
      code: 'RELAY_RESTARTED',
      message: 'the relay stopped during this attempt',
    })
    if (released.length > 0)
      this.#init.log.info('re-queued leased tasks as the relay stops', { tasks: released.length })
  }

  // Submitting

  /**
   * Submits the operator's own work: no quota, no trust policy. Inputs above the
   * inline limit move into the blockstore first, so they travel as CIDs.
   */
  submit(specs: TaskSpec[]): Promise<Submitted[]> {
    return this.#intake.submit(specs)
  }

  /**
   * Submits work on behalf of a caller: kinds nobody runs are caught (tasks.unknownKinds),
   * the operator's trust policy applies, the caller's quota is checked, and with
   * `membersOnly` only member workers may run it.
   */
  submitAs(
    specs: TaskSpec[],
    subject: TaskSubject,
    options: { membersOnly?: boolean } = {},
  ): Promise<SubmitOutcome> {
    return this.#intake.submitAs(specs, subject, options)
  }

  /** Whether a task of `kind` would be accepted now under tasks.unknownKinds (known, built in, or `warn`). */
  acceptsKind(kind: string): boolean {
    return this.#intake.acceptsKind(kind)
  }

  /** A failed or cancelled task again, as a new task linked to it; counted and assigned like any submission. */
  resubmit(id: string, subject: TaskSubject): ResubmitResult {
    return this.#intake.resubmit(id, subject)
  }

  // Reading

  get(id: string): TaskRecord | undefined {
    return this.#init.store.get(id)
  }

  /** The task, or NOT_FOUND naming the id (and, if retention removed it, when: issue 16). */
  require(id: string): TaskRecord {
    return this.#reads.require(id)
  }

  list(filter: ListFilter): TaskPage {
    return this.#init.store.list(filter)
  }

  counts(): Record<TaskState, number> {
    return this.#init.store.countsByState()
  }

  /** The task's ended leases, oldest first (store/attempt-schema.ts). */
  attempts(task: TaskRecord): AttemptRecord[] {
    return this.#init.store.attempts.of(task.seq)
  }

  /** The latest progress a worker reported for a running task, else the stored one. */
  progress(task: TaskRecord): TaskProgress | null {
    return this.#reads.progress(task)
  }

  /** A finished task's output, read from the blockstore when it travelled as a CID. */
  output(task: TaskRecord, maxBytes = Number.POSITIVE_INFINITY): Promise<unknown> {
    return this.#reads.output(task, maxBytes)
  }

  /** Why an unfinished task has not finished (no capable worker, all busy, queued behind others). */
  pendingReason(task: TaskRecord): string | undefined {
    return this.#reads.pendingReason(task)
  }

  /** Resolves with the task once it is finished, or as it is when `timeoutMs` passes. */
  async wait(id: string, options: WaitOptions = {}): Promise<{ task: TaskRecord; timedOut: boolean }> {
    const { tasks, timedOut } = await this.waitMany([this.require(id)], options)
    return { task: tasks[0] as TaskRecord, timedOut }
  }

  /**
   * Calls `listener` once when the task reaches a final state (resource subscriptions,
   * relay/mcp/subscriptions.ts); returns the function that removes it.
   */
  onFinished(id: string, listener: (task: TaskRecord) => void): () => void {
    return this.#waiters.onDone(id, listener)
  }

  /** Waits for many tasks at once (see waitForTasks). */
  waitMany(current: readonly TaskRecord[], options: WaitManyOptions = {}) {
    return waitForTasks(this.#waiters, (ids) => this.#init.store.getMany(ids), current, options)
  }

  // Changing

  /** Cancels a queued or running task; a running one is told to stop on its worker. */
  cancel(id: string, reason = 'cancelled by request'): CancelResult {
    // A member relay running the task is told which lease ended (its fence).
    const token = this.#init.store.get(id)?.leaseToken ?? undefined
    const result = this.#init.store.cancel(id, reason)
    if (!result.ok) return result
    if (result.wasActive && result.workerId !== null)
      this.#dispatcher.revoke(result.workerId, id, reason, token)
    this.#dispatcher.settled(result.task)
    return result
  }

  /** A queued task's priority; it is picked by it in the next assignment round. */
  setPriority(id: string, priority: number): PatchResult {
    const result = this.#init.store.setPriority(id, priority)
    if (result.ok) this.#dispatcher.pump()
    return result
  }

  /** Tags, metadata, time limit or attempts of a task that is not running yet. */
  update(id: string, patch: TaskPatch): PatchResult {
    return this.#init.store.update(id, patch)
  }

  // Workers

  /** Statistics of the workers connected now and of those seen before. */
  workers(filter: { workerId?: string | undefined; connectedOnly?: boolean } = {}): WorkerStatsRecord[] {
    return this.#init.registry
      .stats()
      .filter(
        (w) =>
          (filter.workerId === undefined || w.workerId === filter.workerId) &&
          (!filter.connectedOnly || w.connected),
      )
  }

  /** Renews a connected worker's leases now; undefined when no such worker is connected. */
  renewLeases(workerId: string): { leasesRenewed: number; lastSeen: number } | undefined {
    const worker = this.#init.registry.get(workerId)
    if (!worker) return undefined
    return { leasesRenewed: this.#dispatcher.heartbeat(worker), lastSeen: worker.lastSeen }
  }

  /**
   * Stops assigning to one connected worker (or all) and asks it to finish; at the
   * deadline the rest is re-queued. Returns the workers drained, or undefined when
   * `workerId` is not connected.
   */
  drain(workerId: string | undefined, deadlineMs: number, reason: string): string[] | undefined {
    const { registry } = this.#init
    const worker = workerId === undefined ? undefined : registry.get(workerId)
    if (workerId !== undefined && worker === undefined) return undefined
    const workers = worker === undefined ? registry.list() : [worker]
    this.#dispatcher.drain(workers, deadlineMs, reason)
    return workers.map((w) => w.id)
  }

  /** This relay's capacity, as member relays are told it. */
  capacity(): Capacity {
    return { ...this.#init.registry.capacity(), queued: this.#init.store.countsByState().queued }
  }

  /**
   * Calls `listener` after each scheduling round, that is after any change that may
   * alter `capacity()` (a worker joins or leaves, results free slots, tasks arrive),
   * coalesced per event-loop turn. Keep it cheap; returns a function that stops it.
   */
  onCapacityChange(listener: () => void): () => void {
    return this.#dispatcher.onRound(listener)
  }

  /** Kinds some dependable worker runs now (see WorkerRegistry.taskKinds). */
  taskKinds(options: { membersOnly?: boolean } = {}): Set<string> {
    return this.#init.registry.taskKinds(options)
  }

  /** Slots of the dependable workers by kind (see WorkerRegistry.kindLoads). */
  kindLoads(): Map<string, { slots: number; freeSlots: number }> {
    return this.#init.registry.kindLoads()
  }

  /** Whether this caller's data may go to anonymous volunteers (workers.volunteerTools). */
  volunteersMaySee(subject: TaskSubject): boolean {
    return this.#init.policy.volunteersMaySee(subject)
  }

  // Peers

  isBanned(peerId: string): boolean {
    return this.#init.standing.isBanned(peerId)
  }

  onBan(listener: (notice: BanNotice) => void): void {
    this.#init.standing.onBan(listener)
  }

  standingOf(peerId: string): PeerStanding {
    return this.#init.standing.get(peerId)
  }

  /** The queue as the worker protocols see it (relay/p2p/task-protocol.ts, block-protocol.ts). */
  get workerSide(): WorkerSide {
    return this.#workerSide
  }

  /** The queue as the workflow engine sees it (issue 12). */
  get workflowSide(): WorkflowSide {
    return this.#workflowSide
  }

  /** The queue as the retention sweep sees it (relay/retention/). */
  get retention(): TaskRetention {
    return this.#init.store.retention
  }

  /** The queue as the forwarding protocol sees it (relay/forwarding/). */
  get relaySide(): RelaySide {
    return this.#relaySide
  }

  #submitted(tasks: readonly TaskRecord[]): void {
    for (const task of tasks) this.#init.metrics.submitted.inc({ kind: task.kind })
    this.#dispatcher.pump()
    if (tasks.length > 0) this.#relaySide.submitted()
  }
}
