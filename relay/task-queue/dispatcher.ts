import type { Counter } from 'prom-client'
import { retryDelayMs } from '../../shared/task/backoff.ts'
import type { TaskError, TaskRecord } from '../../shared/task/types.ts'
import { TERMINAL_STATES } from '../../shared/task/types.ts'
import { IDLE_HEARTBEAT_EVERY } from '../../shared/wire/heartbeat-pacer.ts'
import type { AssignedTask, TaskResultMessage } from '../../shared/wire/task-messages.ts'
import type { Logger } from '../log.ts'
import { FullDiskGuard } from '../storage/full-disk-guard.ts'
import type { PeerStandingStore } from '../trust/peer-standing-store.ts'
import type { Verifier } from '../trust/verifier.ts'
import { ResultIntake } from './result-intake.ts'
import { relayOfWorker } from './store/hand-offs.ts'
import type { Settle, TaskStore, VoteItem } from './store/task-store.ts'
import type { TaskMetrics } from './task-metrics.ts'
import type { TaskWaiters } from './task-waiters.ts'
import { type ConnectedWorker, heldTask } from './workers/connected-worker.ts'
import type { WorkerRegistry } from './workers/worker-registry.ts'

/** How often connected workers are checked for silence. */
const SILENCE_CHECK_MS = 1_000

export interface DispatcherInit {
  store: TaskStore
  registry: WorkerRegistry
  metrics: TaskMetrics
  waiters: TaskWaiters
  log: Logger
  now: () => number
  leaseMs: number
  /** How often workers send a heartbeat while they hold tasks (welcome's `heartbeatMs`). */
  heartbeatMs: number
  violations: Counter<'problem'>
  /** How often leases, timeouts and backoffs are checked. */
  tickMs: number
  random: () => number
  standing: PeerStandingStore
  verifier: Verifier
}

/**
 * The queue's engine, private to TaskService: assignment is pushed, so every change
 * that may free capacity or add work schedules one `pump`, which settles the results
 * received in this turn (group commit) and leases tasks to workers with free slots.
 * A tick expires leases and times tasks out. Every settled task passes `settled`.
 */
export class Dispatcher {
  private readonly init: DispatcherInit
  private pumpScheduled = false
  /** Something other than the tick asked for the coming round. */
  private roundChanged = false
  private readonly pendingResults: Settle[] = []
  private readonly pendingVotes: VoteItem[] = []
  private readonly pendingStarts: Array<{ id: string; token: number }> = []
  private readonly intake: ResultIntake
  private ticker: ReturnType<typeof setInterval> | undefined
  private stopped = false
  private lastSilenceCheck = 0
  /** A full disk fails a round or a tick, not the relay; the next one tries again. */
  private readonly fullDisk: FullDiskGuard
  /** Told of every task that reached a final state (the forwarding outbox listens). */
  readonly settledListeners: Array<(task: TaskRecord) => void> = []
  /** Told when a lease held by a member relay is taken away (cancel, timeout): it is asked to stop. */
  readonly handOffRevoked: Array<(peerId: string, taskId: string, fence: number, reason: string) => void> = []
  /** Told after each round (issue 11: capacity announcements follow changes). */
  private readonly roundListeners = new Set<() => void>()

  constructor(init: DispatcherInit) {
    this.init = init
    this.fullDisk = new FullDiskGuard(init.log, init.now)
    this.intake = new ResultIntake({
      standing: init.standing,
      verifier: init.verifier,
      log: init.log,
      random: init.random,
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
  }

  start(): void {
    if (this.ticker !== undefined || this.stopped) return
    this.ticker = setInterval(
      () => this.fullDisk.run('a task queue tick', () => this.tick()),
      this.init.tickMs,
    )
    this.ticker.unref?.()
    this.pump()
  }

  stop(): void {
    this.stopped = true
    clearInterval(this.ticker)
  }

  workerConnected(worker: ConnectedWorker): void {
    worker.timeoutPenalty = this.init.standing.get(worker.peerId).consecutiveTimeouts
    this.init.registry.add(worker)
    this.init.metrics.workers.set(this.init.registry.size)
    this.pump()
  }

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

  onStarted(worker: ConnectedWorker, tasks: ReadonlyArray<{ taskId: string; token: number }>): void {
    worker.lastSeen = this.init.now()
    for (const { taskId, token } of tasks) {
      if (worker.inFlight.get(taskId)?.token === token) this.pendingStarts.push({ id: taskId, token })
    }
    this.pump()
  }

  heartbeat(worker: ConnectedWorker): number {
    worker.lastSeen = this.init.now()
    // A worker that holds nothing has no lease to renew: no write per idle heartbeat.
    if (worker.inFlight.size === 0) return 0
    return this.init.store.renewLeases(worker.id, this.init.leaseMs)
  }

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

  /**
   * Schedules one round (coalesced): settle the results received, then assign work.
   * `routine` is the tick's pump, which only retries assignment: its round tells the
   * round listeners only if it assigned something.
   */
  pump(routine = false): void {
    if (!routine) this.roundChanged = true
    if (this.pumpScheduled || this.stopped) return
    this.pumpScheduled = true
    setImmediate(() =>
      this.fullDisk.run('a task queue round', () => {
        this.pumpScheduled = false
        if (this.stopped) return
        this.settlePending()
        const assigned = this.assign()
        if (!this.roundChanged && assigned === 0) return
        this.roundChanged = false
        for (const listener of this.roundListeners) listener()
      }),
    )
  }

  /**
   * Calls `listener` after every round that may have changed the capacity (not the
   * tick's rounds that found nothing to do); returns a function that stops it.
   */
  onRound(listener: () => void): () => void {
    this.roundListeners.add(listener)
    return () => this.roundListeners.delete(listener)
  }

  /** Tells a worker (or a member relay running it) to stop a task whose lease was taken away. */
  revoke(workerId: string, taskId: string, reason: string, token?: number): void {
    const relay = relayOfWorker(workerId)
    if (relay !== undefined) {
      if (token !== undefined)
        for (const listener of this.handOffRevoked) listener(relay, taskId, token, reason)
      return
    }
    const worker = this.init.registry.get(workerId)
    const held = worker?.inFlight.get(taskId)
    if (!worker || held === undefined) return
    worker.inFlight.delete(taskId)
    void worker.link.send({ type: 'cancel', taskId, token: held.token, reason }).catch(() => {})
  }

  /** Every change of a task's state ends here: waiters, metrics. */
  settled(task: TaskRecord): void {
    if (!TERMINAL_STATES.has(task.state)) return
    this.init.metrics.finished.inc({ kind: task.kind, state: task.state })
    this.init.metrics.latency.observe({ kind: task.kind }, (this.init.now() - task.createdAt) / 1000)
    this.init.waiters.finished(task)
    for (const listener of this.settledListeners) listener(task)
  }

  private settlePending(): void {
    if (this.pendingResults.length === 0 && this.pendingStarts.length === 0 && this.pendingVotes.length === 0)
      return
    const started = this.pendingStarts.splice(0)
    const items = this.pendingResults.splice(0)
    const votes = this.pendingVotes.splice(0)
    let round: ReturnType<TaskStore['applyRound']>
    try {
      round = this.init.store.applyRound(started, items, votes)
    } catch (err) {
      // The round was one transaction, rolled back whole (a full disk, issue 16): the next
      // round applies these again, so no worker's answer is dropped.
      this.pendingStarts.unshift(...started)
      this.pendingResults.unshift(...items)
      this.pendingVotes.unshift(...votes)
      throw err
    }
    for (const settled of round.settled) {
      if (settled.ok) this.settled(settled.task)
      else this.init.metrics.staleResults.inc()
    }
    for (const task of this.intake.tallied(round.voted)) this.settled(task)
  }

  /**
   * Two passes: every worker's free compute slots first, then buffers (prefetch),
   * so that a deep buffer on one worker never leaves another worker's slots idle.
   */
  /** Returns how many workers were sent tasks. */
  private assign(): number {
    if (!this.init.store.hasQueued()) return 0
    const exhausted = new Set<ConnectedWorker>()
    const leased = new Map<ConnectedWorker, TaskRecord[]>()
    try {
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
    } finally {
      // What was leased is sent even when a later lease failed (a full disk): no task
      // waits out a lease its worker was never told of.
      for (const [worker, tasks] of leased) this.send(worker, tasks)
    }
    return leased.size
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
          ...taskOrigin(t.metadata),
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
        this.revoke(task.workerId, task.id, 'timed out', task.leaseToken)
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
    this.dropSilentWorkers()
    this.pump(expired.length === 0 && slipped.size === 0)
  }

  /**
   * A worker sends at least one heartbeat every IDLE_HEARTBEAT_EVERY ticks
   * (shared/wire/heartbeat-pacer.ts); one silent for three of those is gone, though its
   * connection may look open (the relay runs no libp2p pings: create-relay-node.ts).
   * Its tasks go back to the queue and its slots stop being counted.
   */
  private dropSilentWorkers(): void {
    const now = this.init.now()
    if (now - this.lastSilenceCheck < SILENCE_CHECK_MS) return
    this.lastSilenceCheck = now
    const silenceMs = this.init.heartbeatMs * IDLE_HEARTBEAT_EVERY * 3
    for (const worker of this.init.registry.list()) {
      const silentMs = now - worker.lastSeen
      if (silentMs <= silenceMs) continue
      this.init.log.info('silent worker dropped', { workerId: worker.id, silentMs })
      const reason = `silent for ${Math.round(silentMs / 1000)} s`
      // A reset, not a close: a vanished host would never answer the close.
      worker.link.reset(reason)
      this.workerDisconnected(worker.id, reason)
    }
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
    return retryDelayMs(attempt, { jitter: this.init.random() })
  }
}

/** What a task serves, from its metadata (a tool call's `tool`, a workflow step's ids), for the worker to show. */
function taskOrigin(metadata: Record<string, unknown>): { origin?: AssignedTask['origin'] } {
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 128 ? v : undefined)
  const origin = {
    ...(text(metadata.tool) === undefined ? {} : { tool: text(metadata.tool) as string }),
    ...(text(metadata.workflowId) === undefined ? {} : { workflowId: text(metadata.workflowId) as string }),
    ...(text(metadata.stepId) === undefined ? {} : { stepId: text(metadata.stepId) as string }),
  }
  return Object.keys(origin).length === 0 ? {} : { origin }
}
