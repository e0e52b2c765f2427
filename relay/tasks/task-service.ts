import type { Counter } from 'prom-client'
import { retryDelayMs } from '../../shared/queue/backoff.ts'
import type { TaskError, TaskRecord, TaskSpec } from '../../shared/task/types.ts'
import { TERMINAL_STATES } from '../../shared/task/types.ts'
import type { TaskResultMessage } from '../../shared/wire/task-messages.ts'
import type { Logger } from '../log.ts'
import type { ContentStore } from '../p2p/content-store.ts'
import type { Settle, TaskStore, VoteItem } from '../queue/task-store.ts'
import type { PeerStandingStore } from '../trust/peer-standing-store.ts'
import type { Verifier } from '../trust/verifier.ts'
import { type ConnectedWorker, heldTask } from './connected-worker.ts'
import { inputsAsBlocks } from './inputs-as-blocks.ts'
import { handleBans } from './on-ban.ts'
import { ResultIntake } from './result-intake.ts'
import type { TaskMetrics } from './task-metrics.ts'
import { ANONYMOUS, type TaskPolicy, type TaskSubject } from './task-policy.ts'
import { TaskWaiters } from './task-waiters.ts'
import { type WaitManyOptions, type WaitOptions, waitForTasks } from './wait-many.ts'
import type { WorkerRegistry } from './worker-registry.ts'

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
  /** Trust, member-only routing and quotas for submitted work. */
  policy: TaskPolicy
}

/**
 * The relay's task queue: durable state in the TaskStore, live state (connected
 * workers, waiters, progress) in memory. Assignment is pushed: every change that may
 * free capacity or add work schedules one `pump`, which leases tasks to workers with
 * free slots and sends them.
 */
export class TaskService {
  private readonly init: TaskServiceInit
  readonly waiters = new TaskWaiters()
  private pumpScheduled = false
  private readonly pendingResults: Settle[] = []
  private readonly pendingVotes: VoteItem[] = []
  private readonly pendingStarts: Array<{ id: string; token: number }> = []
  private readonly intake: ResultIntake
  private ticker: ReturnType<typeof setInterval> | undefined
  private stopped = false

  constructor(init: TaskServiceInit) {
    this.init = init
    this.intake = new ResultIntake({
      standing: init.standing,
      verifier: init.verifier,
      log: init.log,
      random: init.random ?? Math.random,
      violations: init.violations,
      verifications: init.metrics.verifications,
      staleResults: init.metrics.staleResults,
      settle: (item) => {
        this.pendingResults.push(item)
        this.pump()
      },
      vote: (item) => this.pendingVotes.push(item),
      backoffMs: (id) => this.backoff(id),
    })
    handleBans({
      standing: init.standing,
      store: init.store,
      bans: init.metrics.bans,
      log: init.log,
      now: init.now,
      pump: () => this.pump(),
    })
  }

  get standing(): PeerStandingStore {
    return this.init.standing
  }

  get store(): TaskStore {
    return this.init.store
  }

  get registry(): WorkerRegistry {
    return this.init.registry
  }

  get content(): ContentStore {
    return this.init.content
  }

  /**
   * Submits tasks, first moving inputs above the inline limit into the blockstore so
   * they travel as CIDs (workers fetch and verify them).
   */
  async submitTasks(specs: TaskSpec[]) {
    return this.submit(await inputsAsBlocks(specs, this.init.content))
  }

  get policy(): TaskPolicy {
    return this.init.policy
  }

  /**
   * Submits work on behalf of a caller: the operator's trust policy applies, the
   * caller's quota is checked, and with `membersOnly` only member workers may run it.
   */
  async submitAs(specs: TaskSpec[], subject: TaskSubject, options: { membersOnly?: boolean } = {}) {
    this.init.policy.checkQuota(specs.length, subject.identity ?? ANONYMOUS, this.init.store, this.init.now())
    const submitted = await this.submitTasks(this.init.policy.apply(specs, subject, options))
    this.init.policy.added(submitted.filter((s) => s.created).length)
    return submitted
  }

  /** A finished task's output, read from the blockstore when it travelled as a CID. */
  async output(task: TaskRecord, maxBytes = Number.POSITIVE_INFINITY): Promise<unknown> {
    if (task.outputCid === null) return task.output
    const bytes = await this.init.content.get(task.outputCid)
    if (bytes === undefined) throw new Error(`the output block ${task.outputCid} is missing`)
    return bytes.byteLength <= maxBytes ? JSON.parse(new TextDecoder().decode(bytes)) : undefined
  }

  /** Settings the wire protocol tells workers about, and its violation counter. */
  get protocol() {
    const { heartbeatMs, leaseMs, violations, log, now } = this.init
    return { heartbeatMs, leaseMs, violations, log, now, messages: this.init.metrics.messages }
  }

  start(): void {
    this.ticker = setInterval(() => this.tick(), this.init.tickMs)
    this.ticker.unref?.()
    this.pump()
  }

  stop(): void {
    this.stopped = true
    clearInterval(this.ticker)
    this.init.verifier.close()
    this.init.store.close()
    this.init.standing.close()
  }

  submit(specs: TaskSpec[]) {
    const results = this.init.store.submit(specs)
    for (const { task, created } of results) if (created) this.init.metrics.submitted.inc({ kind: task.kind })
    this.pump()
    return results
  }

  /** Resolves with the task once it is finished, or as it is when `timeoutMs` passes. */
  async wait(id: string, options: WaitOptions = {}): Promise<{ task: TaskRecord; timedOut: boolean }> {
    const current = this.init.store.get(id)
    if (!current) throw new Error(`no task ${id}`)
    const { tasks, timedOut } = await this.waitMany([current], options)
    return { task: tasks[0] as TaskRecord, timedOut }
  }

  /** Waits for many tasks at once (see waitForTasks). */
  waitMany(current: readonly TaskRecord[], options: WaitManyOptions = {}) {
    return waitForTasks(this.waiters, (ids) => this.init.store.getMany(ids), current, options)
  }

  /** Cancels a queued or running task; a running one is told to stop on its worker. */
  cancel(id: string, reason = 'cancelled by request') {
    const result = this.init.store.cancel(id, reason)
    if (!result.ok) return result
    if (result.wasActive && result.workerId !== null) this.revoke(result.workerId, id, reason)
    this.settled(result.task)
    return result
  }

  /** Worker side: a worker said hello. */
  workerConnected(worker: ConnectedWorker): void {
    worker.timeoutPenalty = this.init.standing.get(worker.peerId).consecutiveTimeouts
    this.init.registry.add(worker)
    this.init.metrics.workers.set(this.init.registry.size)
    this.pump()
  }

  /** Worker side: the connection closed; its tasks go back to the queue at once. */
  workerDisconnected(workerId: string, reason: string): void {
    const worker = this.init.registry.remove(workerId, this.init.now())
    this.init.metrics.workers.set(this.init.registry.size)
    if (!worker) return
    const requeued = this.init.store.releaseWorker(workerId, { code: 'WORKER_LOST', message: reason })
    for (const task of requeued) this.settled(task)
    if (requeued.length > 0)
      this.init.log.info('worker left; tasks re-queued', { workerId, tasks: requeued.length })
    this.pump()
  }

  /**
   * Takes a worker's results. They are settled with every other result that arrives
   * in the same turn of the event loop, in one transaction (group commit), just before
   * the next assignment round. A result must carry the token of a lease this worker
   * holds (fencing); anything else is counted and ignored.
   */
  onResults(worker: ConnectedWorker, results: TaskResultMessage[]): void {
    worker.lastSeen = this.init.now()
    for (const result of results) {
      const held = worker.inFlight.get(result.taskId)
      if (held?.token !== result.token) {
        this.init.metrics.staleResults.inc()
        continue
      }
      worker.inFlight.delete(result.taskId)
      worker.recordDuration(result.durationMs)
      // An answer in time ends a run of timeouts (a write only when there was one).
      if (worker.timeoutPenalty > 0) {
        this.init.standing.record(worker.peerId, 'finished')
        worker.timeoutPenalty = 0
      }
      this.init.registry.recordOutcome(worker.id, result.ok, result.durationMs)
      this.intake.accept(worker, held, result)
    }
    this.pump()
  }

  /** Worker side: buffered tasks began running; their time limits restart. */
  onStarted(worker: ConnectedWorker, tasks: ReadonlyArray<{ taskId: string; token: number }>): void {
    worker.lastSeen = this.init.now()
    for (const { taskId, token } of tasks) {
      if (worker.inFlight.get(taskId)?.token === token) this.pendingStarts.push({ id: taskId, token })
    }
    this.pump()
  }

  private settlePending(): void {
    if (this.pendingResults.length === 0 && this.pendingStarts.length === 0 && this.pendingVotes.length === 0)
      return
    const started = this.pendingStarts.splice(0)
    const items = this.pendingResults.splice(0)
    const votes = this.pendingVotes.splice(0)
    const round = this.init.store.applyRound(started, items, votes)
    for (const settled of round.settled) {
      if (settled.ok) this.settled(settled.task)
      else this.init.metrics.staleResults.inc()
    }
    for (const task of this.intake.tallied(round.voted)) this.settled(task)
  }

  onProgress(worker: ConnectedWorker, taskId: string, token: number, progress: TaskRecord['progress']): void {
    worker.lastSeen = this.init.now()
    if (progress === null || worker.inFlight.get(taskId)?.token !== token) return
    this.waiters.reportProgress(taskId, progress)
  }

  /** Renews a worker's liveness and leases; returns how many leases were renewed. */
  heartbeat(worker: ConnectedWorker): number {
    worker.lastSeen = this.init.now()
    return this.init.store.renewLeases(worker.id, this.init.leaseMs)
  }

  /** Stops assigning to the workers and asks them to finish; at the deadline the rest is re-queued. */
  drain(workers: ConnectedWorker[], deadlineMs: number, reason: string): void {
    for (const worker of workers) {
      worker.draining = true
      void worker.link.send({ type: 'drain', deadlineMs, reason }).catch(() => {})
      const timer = setTimeout(() => {
        if (this.init.registry.get(worker.id) === worker) {
          worker.link.close()
          this.workerDisconnected(worker.id, `drained: ${reason}`)
        }
      }, deadlineMs)
      timer.unref?.()
    }
  }

  /** Schedules one round (coalesced): settle the results received, then assign work. */
  pump(): void {
    if (this.pumpScheduled || this.stopped) return
    this.pumpScheduled = true
    setImmediate(() => {
      this.pumpScheduled = false
      this.settlePending()
      this.assign()
    })
  }

  /**
   * Two passes: every worker's free compute slots first, then buffers (prefetch),
   * so that a deep buffer on one worker never leaves another worker's slots idle.
   */
  private assign(): void {
    const exhausted = new Set<ConnectedWorker>()
    const leased = new Map<ConnectedWorker, TaskRecord[]>()
    for (const pass of ['slots', 'buffer'] as const) {
      for (const worker of this.init.registry.list()) {
        if (exhausted.has(worker)) continue
        const free = pass === 'slots' ? worker.freeSlots : worker.free
        if (free <= 0) continue
        const tasks = this.init.store.leaseNext({
          workerId: worker.id,
          peerId: worker.peerId,
          kinds: [...worker.kinds],
          capabilities: [...worker.capabilities],
          limit: free,
          leaseMs: this.init.leaseMs,
        })
        if (tasks.length < free) exhausted.add(worker)
        if (tasks.length === 0) continue
        for (const task of tasks) worker.inFlight.set(task.id, heldTask(task))
        leased.set(worker, [...(leased.get(worker) ?? []), ...tasks])
      }
    }
    for (const [worker, tasks] of leased) this.send(worker, tasks)
  }

  /** One assignment message per worker and round. */
  private send(worker: ConnectedWorker, tasks: TaskRecord[]): void {
    void worker.link
      .send({
        type: 'assign',
        tasks: tasks.map((t) => ({
          taskId: t.id,
          token: t.leaseToken as number,
          kind: t.kind,
          ...(t.inputCid === null ? { input: t.input } : { inputCid: t.inputCid }),
          timeoutMs: t.timeoutMs,
        })),
      })
      .catch(() => {
        // The stream broke: the close handler re-queues this worker's tasks.
      })
  }

  private tick(): void {
    const expired = this.init.store.expireLeases()
    for (const task of expired) this.settled(task)
    // One timeout per worker and tick counts against it: a worker whose whole buffer
    // ran out at once (a submitter's limit too tight for it) is not banned for one slip.
    const slipped = new Set<string>()
    for (const task of this.init.store.timedOut()) {
      if (task.workerId !== null && task.leaseToken !== null) {
        slipped.add(task.workerId)
        this.revoke(task.workerId, task.id, 'timed out')
        const error: TaskError = {
          code: 'TIMEOUT',
          message: `the task exceeded its ${task.timeoutMs} ms limit`,
        }
        const failed = this.init.store.fail(task.id, task.leaseToken, error, {
          retryable: true,
          retryDelayMs: this.backoff(task.id),
        })
        if (failed.ok) this.settled(failed.task)
      }
    }
    for (const workerId of slipped) this.timedOutOn(workerId)
    this.pump()
  }

  /** Tells a worker to stop a task whose lease was taken away. */
  private revoke(workerId: string, taskId: string, reason: string): void {
    const worker = this.init.registry.get(workerId)
    const held = worker?.inFlight.get(taskId)
    if (!worker || held === undefined) return
    worker.inFlight.delete(taskId)
    void worker.link.send({ type: 'cancel', taskId, token: held.token, reason }).catch(() => {})
  }

  /** A task ran out of time on a worker: it gets fewer tasks, and is banned if it keeps doing it. */
  private timedOutOn(workerId: string): void {
    const peerId = this.init.registry.get(workerId)?.peerId ?? workerId.slice(0, workerId.lastIndexOf('/'))
    const { standing } = this.init.standing.record(peerId, 'timeout')
    for (const worker of this.init.registry.byPeer(peerId))
      worker.timeoutPenalty = standing.consecutiveTimeouts
  }

  private backoff(taskId: string): number {
    const attempt = this.init.store.get(taskId)?.attempt ?? 1
    return retryDelayMs(attempt, { jitter: (this.init.random ?? Math.random)() })
  }

  /** Every change of a task's state ends here: waiters, metrics. */
  private settled(task: TaskRecord): void {
    if (!TERMINAL_STATES.has(task.state)) return
    this.init.metrics.finished.inc({ kind: task.kind, state: task.state })
    this.init.metrics.latency.observe({ kind: task.kind }, (this.init.now() - task.createdAt) / 1000)
    this.waiters.finished(task)
  }
}
