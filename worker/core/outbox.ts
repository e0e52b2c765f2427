import type { TaskResultMessage, WorkerMessage } from '../../shared/wire/task-messages.ts'
import { MAX_CONCURRENCY } from '../../shared/wire/task-messages.ts'

type Started = { taskId: string; token: number }

/** Results that need not go at once wait at most this long for company. */
export const COALESCE_MS = 5

/** What the worker holds when a result is ready. */
export interface Holding {
  /** Nothing else is running or buffered: no reason to wait. */
  idle: boolean
  /** No buffered task is left, so compute slots will idle until the relay refills. */
  bufferEmpty: boolean
}

/**
 * Collects start notices and results and sends them as one `started` and one
 * `results` message, so that under load many small frames become a few and the
 * relay commits and refills them together. A result goes out at the end of the
 * current turn when the worker is idle, when `batch` results are waiting, or when
 * the buffer ran empty and the relay has not yet been asked for more since its last
 * assignment; otherwise it waits up to COALESCE_MS for company.
 */
export class Outbox {
  private started: Started[] = []
  private results: TaskResultMessage[] = []
  private scheduled: 'soon' | 'now' | undefined
  /** Results went out and no assignment came back yet: asking again gains nothing. */
  private awaitingRefill = false
  private readonly send: (message: WorkerMessage) => Promise<void>
  private readonly batch: number

  constructor(send: (message: WorkerMessage) => Promise<void>, batch = 1) {
    this.send = send
    this.batch = Math.max(1, batch)
  }

  start(task: Started): void {
    this.started.push(task)
    this.schedule('soon')
  }

  result(result: TaskResultMessage, holding: Holding): void {
    this.results.push(result)
    const now =
      holding.idle || this.results.length >= this.batch || (holding.bufferEmpty && !this.awaitingRefill)
    this.schedule(now ? 'now' : 'soon')
  }

  /** The relay sent an assignment: the next empty buffer is news again. */
  refilled(): void {
    this.awaitingRefill = false
  }

  /** Sends what is waiting now (what arrives meanwhile waits for its own schedule). */
  async flush(): Promise<void> {
    this.scheduled = undefined
    const started = this.started.splice(0)
    const results = this.results.splice(0)
    if (results.length > 0) this.awaitingRefill = true
    for (let i = 0; i < started.length; i += MAX_CONCURRENCY) {
      await this.send({ type: 'started', tasks: started.slice(i, i + MAX_CONCURRENCY) })
    }
    for (let i = 0; i < results.length; i += MAX_CONCURRENCY) {
      await this.send({ type: 'results', results: results.slice(i, i + MAX_CONCURRENCY) })
    }
  }

  private schedule(when: 'soon' | 'now'): void {
    if (this.scheduled === 'now' || this.scheduled === when) return
    this.scheduled = when
    if (when === 'now') queueMicrotask(() => void this.flushIf('now'))
    else setTimeout(() => void this.flushIf('soon'), COALESCE_MS)
  }

  /** A timer or microtask that is no longer the pending schedule does nothing. */
  private flushIf(when: 'soon' | 'now'): Promise<void> | undefined {
    return this.scheduled === when ? this.flush() : undefined
  }
}
