import type { TaskError, TaskRecord } from '../../../shared/task/types.ts'
import { RELAY_WORKER_PREFIX } from './hand-offs.ts'
import type { TaskTransitions } from './task-transitions.ts'

type Tx = <T>(fn: () => T) => T

/** Leases held by workers, not by member relays (hand-offs outlive this relay's restart). */
const NOT_HANDED_OFF = `worker_id NOT LIKE '${RELAY_WORKER_PREFIX}%'`

/**
 * Leases that end without a result, each call one transaction of the TaskStore: a
 * worker is gone, the relay starts or stops, a lease was not renewed in time. Their
 * tasks go back to the queue, or fail when out of attempts (TaskTransitions.releaseWhere).
 */
export class TaskReleases {
  private readonly transitions: TaskTransitions
  private readonly now: () => number
  private readonly tx: Tx

  constructor(transitions: TaskTransitions, now: () => number, tx: Tx) {
    this.transitions = transitions
    this.now = now
    this.tx = tx
  }

  /** A worker is gone: its tasks go back to the queue now, or fail if out of attempts. */
  releaseWorker(workerId: string, reason: TaskError): TaskRecord[] {
    return this.tx(() =>
      this.transitions.releaseWhere('worker_id = ?', [workerId], reason, { index: 'tasks_active' }),
    )
  }

  /**
   * At start-up no worker is connected: every task leased to a worker goes back to the
   * queue. Tasks handed to member relays stay leased: the relay runs them still and
   * renews their leases, or they expire (issue 11).
   */
  releaseAll(reason: TaskError): TaskRecord[] {
    return this.tx(() => this.transitions.releaseWhere(NOT_HANDED_OFF, [], reason))
  }

  /**
   * The relay is stopping: every leased task goes back to the queue and its attempt is
   * given back, because the relay's own stop is no failure of the task.
   */
  returnLeases(reason: TaskError): TaskRecord[] {
    return this.tx(() => this.transitions.releaseWhere(NOT_HANDED_OFF, [], reason, { countAttempt: false }))
  }

  /** Leases not renewed in time: treated like a lost worker. */
  expireLeases(): TaskRecord[] {
    const reason: TaskError = { code: 'LEASE_EXPIRED', message: 'the worker stopped renewing its lease' }
    return this.tx(() => this.transitions.releaseWhere('lease_expires_at < ?', [this.now()], reason))
  }
}
