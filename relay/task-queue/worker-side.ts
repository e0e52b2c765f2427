import type { Counter } from 'prom-client'
import type { TaskProgress } from '../../shared/task/types.ts'
import type { StandingChange } from '../../shared/trust/standing.ts'
import type { TaskResultMessage } from '../../shared/wire/task-messages.ts'
import { isStorageFull } from '../storage/storage-full.ts'
import type { PeerStandingStore } from '../trust/peer-standing-store.ts'
import type { Dispatcher } from './dispatcher.ts'
import type { TaskStore } from './store/task-store.ts'
import type { TaskMetrics } from './task-metrics.ts'
import type { TaskWaiters } from './task-waiters.ts'
import type { ConnectedWorker, HeldTask } from './workers/connected-worker.ts'
import type { WorkerRegistry } from './workers/worker-registry.ts'

export interface WorkerSideInit {
  store: TaskStore
  registry: WorkerRegistry
  standing: PeerStandingStore
  metrics: TaskMetrics
  violations: Counter<'problem'>
  waiters: TaskWaiters
  dispatcher: Dispatcher
  now: () => number
  heartbeatMs: number
  leaseMs: number
}

/**
 * The task queue as the worker protocols see it: `/mcpp/task/1.0.0` reports hellos,
 * results, progress and heartbeats here (relay/p2p/task-protocol.ts), and
 * `/mcpp/block/1.0.0` asks which blocks a peer's tasks let it touch
 * (relay/p2p/block-protocol.ts). TaskService hands it out; nothing else reaches the
 * queue's parts.
 */
export class WorkerSide {
  readonly #init: WorkerSideInit

  constructor(init: WorkerSideInit) {
    this.#init = init
  }

  /** What the relay tells a worker in its welcome. */
  get timing(): { heartbeatMs: number; leaseMs: number } {
    return { heartbeatMs: this.#init.heartbeatMs, leaseMs: this.#init.leaseMs }
  }

  now(): number {
    return this.#init.now()
  }

  isBanned(peerId: string): boolean {
    return this.#init.standing.isBanned(peerId)
  }

  countMessage(direction: 'in' | 'out', type: string): void {
    this.#init.metrics.messages.inc({ direction, type })
  }

  /** A peer broke a protocol rule: a strike, and a ban after enough of them. */
  strike(peerId: string): StandingChange {
    return this.#init.standing.record(peerId, 'violation')
  }

  /** A task protocol violation: counted by problem, and a strike against the peer. */
  violation(peerId: string, problem: string): StandingChange {
    this.#init.violations.inc({ problem })
    return this.strike(peerId)
  }

  /** A worker said hello: its kinds are remembered (tasks.unknownKinds) and it gets work. */
  workerConnected(worker: ConnectedWorker): void {
    try {
      this.#init.store.kinds.announced(worker.kinds, this.#init.now(), worker.peerId)
    } catch (err) {
      // On a full disk (issue 16) the kinds are remembered at a later hello; the worker
      // still gets work, which is written when space returns.
      if (!isStorageFull(err)) throw err
    }
    this.#init.dispatcher.workerConnected(worker)
  }

  /** The connection closed; its tasks go back to the queue at once. */
  workerDisconnected(workerId: string, reason: string): void {
    this.#init.dispatcher.workerDisconnected(workerId, reason)
  }

  /**
   * A worker's results. They are settled with every other result that arrives in the
   * same turn of the event loop, in one transaction (group commit), just before the
   * next assignment round. A result must carry the token of a lease this worker holds
   * (fencing); anything else is counted and ignored.
   */
  onResults(worker: ConnectedWorker, results: TaskResultMessage[]): void {
    this.#init.dispatcher.onResults(worker, results)
  }

  /** Buffered tasks began running; their time limits restart. */
  onStarted(worker: ConnectedWorker, tasks: ReadonlyArray<{ taskId: string; token: number }>): void {
    this.#init.dispatcher.onStarted(worker, tasks)
  }

  /** The worker changed its capacity (0 pauses it); more room is filled at once. */
  onCapacity(worker: ConnectedWorker, concurrency: number, prefetch: number): void {
    worker.lastSeen = this.#init.now()
    worker.setCapacity(concurrency, prefetch)
    this.#init.dispatcher.pump()
  }

  onProgress(worker: ConnectedWorker, taskId: string, token: number, progress: TaskProgress): void {
    worker.lastSeen = this.#init.now()
    if (worker.inFlight.get(taskId)?.token !== token) return
    this.#init.waiters.reportProgress(taskId, progress)
  }

  /** Renews a worker's liveness and leases; returns how many leases were renewed. */
  heartbeat(worker: ConnectedWorker): number {
    return this.#init.dispatcher.heartbeat(worker)
  }

  /** The task a connected worker of `peerId` holds under `token`, if any. */
  heldBy(peerId: string, taskId: string, token: number): HeldTask | undefined {
    return this.#init.registry.heldBy(peerId, taskId, token)
  }

  /** Whether a connected worker of `peerId` holds a task whose input is block `cid`. */
  holdsInput(peerId: string, cid: string): boolean {
    return this.#init.registry.holdsInput(peerId, cid)
  }
}
