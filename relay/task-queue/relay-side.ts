import type { TaskError, TaskProgress, TaskRecord, TaskSpec } from '../../shared/task/types.ts'
import type { Verification } from '../../shared/trust/trust-policy.ts'
import type { Dispatcher } from './dispatcher.ts'
import { relayOfWorker, relayWorkerId } from './store/hand-offs.ts'
import type { ForwardedRecord, ForwardOrigin, SettleResult, TaskStore } from './store/task-store.ts'
import type { TaskMetrics } from './task-metrics.ts'
import type { TaskWaiters } from './task-waiters.ts'
import type { WorkerRegistry } from './workers/worker-registry.ts'

export type { ForwardedRecord, ForwardOrigin }

export interface RelaySideInit {
  store: TaskStore
  registry: WorkerRegistry
  metrics: TaskMetrics
  waiters: TaskWaiters
  dispatcher: Dispatcher
  now: () => number
}

/** A member relay's answer for a task this relay handed to it. */
export type HandOffOutcome =
  | { ok: true; output?: unknown; outputCid?: string | undefined; verification: Verification | null }
  | { ok: false; error: TaskError; retryable: boolean; verification: Verification | null }

export type HandOffRefusal = 'stale' | 'not_found'

/**
 * The task queue as the forwarding protocol sees it (relay/forwarding/), from both
 * ends of a hand-off (issue 11):
 *
 * - as the owner (B), a handed-off task stays in this queue, leased to the pseudo-worker
 *   `relay:<A>` under a fencing token, so a silent runner loses it when the lease
 *   expires and a late answer under an old token is refused like a stale worker's;
 * - as the runner (A), a task offered by a member is queued here with its origin, runs
 *   on local workers under its trust requirement, and waits in the outbox until its
 *   result reached the owner.
 */
export class RelaySide {
  readonly #init: RelaySideInit
  readonly #submittedListeners: Array<() => void> = []

  constructor(init: RelaySideInit) {
    this.#init = init
  }

  // The owner's side

  /** Leases a queued task to member relay `peerId`; undefined when it is not queued and ready. */
  handOff(taskId: string, peerId: string, leaseMs: number): TaskRecord | undefined {
    return this.#init.store.leaseTo(taskId, relayWorkerId(peerId), leaseMs)
  }

  /**
   * Up to `limit` ready queued tasks of `kind` a member may run instead (issue 11): best
   * first, none that a member handed here (no hand-off chains), and with `capabilities`
   * (a member's capability set) those whose requirements it meets instead of those without.
   */
  forwardable(kind: string, limit: number, capabilities: readonly string[] = []): string[] {
    return this.#init.store.handOffs.forwardable(kind, limit, capabilities)
  }

  /** Called after new tasks were queued (submitted or resubmitted). */
  onSubmitted(listener: () => void): void {
    this.#submittedListeners.push(listener)
  }

  /** TaskService tells of new tasks here. */
  submitted(): void {
    for (const listener of this.#submittedListeners) listener()
  }

  /**
   * The relay is starting to serve members again: every lease it handed to one runs at
   * least `leaseMs` from now, so a member that kept results while this relay was down
   * can deliver them before the tasks are taken back (store/hand-offs.ts).
   */
  resumeHandOffs(leaseMs: number): number {
    return this.#init.store.handOffs.resume(leaseMs)
  }

  /** The offer was refused or never arrived: the task is queued again, its attempt given back. */
  handOffFailed(taskId: string, fence: number, reason: TaskError): TaskRecord | undefined {
    const task = this.#init.store.handOffs.giveBack(taskId, fence, reason)
    this.#init.dispatcher.pump()
    return task
  }

  /** The runner is alive and still runs these: their leases are renewed. Returns the ids no longer leased to it. */
  renewHandOffs(peerId: string, tasks: ReadonlyArray<{ taskId: string; fence: number }>, leaseMs: number) {
    const worker = relayWorkerId(peerId)
    return tasks
      .filter(({ taskId, fence }) => !this.#init.store.handOffs.renew(taskId, worker, fence, leaseMs))
      .map((t) => t.taskId)
  }

  /** Progress the runner reports, for the task's waiters; false when its lease is not the runner's. */
  handOffProgress(peerId: string, taskId: string, fence: number, progress: TaskProgress): boolean {
    if (!this.#holds(peerId, taskId, fence)) return false
    this.#init.waiters.reportProgress(taskId, progress)
    return true
  }

  /**
   * The runner's answer. It settles the task only under the lease the runner holds
   * (its pseudo-worker and fence): an answer after the lease was taken back is refused.
   * The runner checked it by the task's trust requirement, and its verification is kept.
   */
  handOffResult(
    peerId: string,
    taskId: string,
    fence: number,
    outcome: HandOffOutcome,
  ): { ok: true; task: TaskRecord } | { ok: false; reason: HandOffRefusal } {
    const task = this.#init.store.get(taskId)
    if (task === undefined) return { ok: false, reason: 'not_found' }
    if (!this.#holds(peerId, taskId, fence)) {
      this.#init.metrics.staleResults.inc()
      return { ok: false, reason: 'stale' }
    }
    const verification = outcome.verification ?? undefined
    const [settled] = this.#init.store.settleMany([
      outcome.ok
        ? {
            id: taskId,
            token: fence,
            ok: true,
            ...(outcome.outputCid === undefined
              ? { output: outcome.output }
              : { outputCid: outcome.outputCid }),
            verification,
          }
        : {
            id: taskId,
            token: fence,
            ok: false,
            error: outcome.error,
            retryable: outcome.retryable,
            retryDelayMs: 0,
            verification,
          },
    ]) as [SettleResult]
    if (!settled.ok) {
      this.#init.metrics.staleResults.inc()
      return { ok: false, reason: settled.reason === 'not_found' ? 'not_found' : 'stale' }
    }
    this.#init.dispatcher.settled(settled.task)
    this.#init.dispatcher.pump()
    return settled
  }

  /** Whether member `peerId` holds the lease of `taskId` now, under any fence. */
  handedTo(peerId: string, taskId: string): boolean {
    const task = this.#init.store.get(taskId)
    return (
      task !== undefined &&
      relayOfWorker(task.workerId) === peerId &&
      (task.state === 'leased' || task.state === 'running')
    )
  }

  /** Whether member `peerId` holds the lease of `taskId` under `fence` now. */
  leasedTo(peerId: string, taskId: string, fence: number): boolean {
    return this.#holds(peerId, taskId, fence)
  }

  /** Called with (runner, task id, fence, reason) when a handed-off lease is taken away. */
  onHandOffRevoked(listener: (peerId: string, taskId: string, fence: number, reason: string) => void): void {
    this.#init.dispatcher.handOffRevoked.push(listener)
  }

  // The runner's side

  /** Whether a dependable local worker runs `kind` now. */
  /** Whether a worker here could take the task: its kind and every required capability. */
  runs(kind: string, requires: readonly string[] = []): boolean {
    return this.#init.registry.runs(kind, requires)
  }

  /** Queues a task a member handed over; the same hand-off twice is the same task. */
  accept(spec: TaskSpec, origin: ForwardOrigin): { task: TaskRecord; created: boolean } {
    const result = this.#init.store.acceptForwarded(spec, origin)
    if (result.created) {
      this.#init.metrics.submitted.inc({ kind: result.task.kind })
      this.#init.dispatcher.pump()
    }
    return result
  }

  /** Finished handed-over tasks whose results have not reached their owners. */
  outbox(limit: number): ForwardedRecord[] {
    return this.#init.store.forwarded.outbox(limit)
  }

  /** Unfinished handed-over tasks (their leases are renewed with the owners). */
  held(): ForwardedRecord[] {
    return this.#init.store.forwarded.open()
  }

  /** The owner confirmed the lease of a held task. */
  renewed(taskId: string): void {
    this.#init.store.forwarded.renewed(taskId, this.#init.now())
  }

  /** The result reached the owner, or the owner no longer wants it: the hand-off is closed. */
  close(taskId: string): boolean {
    return this.#init.store.forwarded.close(taskId, this.#init.now())
  }

  /** Where a handed-over task came from, if it is one. */
  originOf(taskId: string): ForwardOrigin | undefined {
    return this.#init.store.forwarded.originOf(taskId)
  }

  /** This relay's task for a hand-off, if it accepted that one. */
  taskOf(origin: Omit<ForwardOrigin, 'leaseMs'>): string | undefined {
    return this.#init.store.forwarded.byOrigin(origin)
  }

  /** Called with every task that reaches a final state. */
  onSettled(listener: (task: TaskRecord) => void): void {
    this.#init.dispatcher.settledListeners.push(listener)
  }

  #holds(peerId: string, taskId: string, fence: number): boolean {
    const task = this.#init.store.get(taskId)
    return (
      task !== undefined &&
      relayOfWorker(task.workerId) === peerId &&
      task.leaseToken === fence &&
      (task.state === 'leased' || task.state === 'running')
    )
  }
}
