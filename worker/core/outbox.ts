import type { TaskResultMessage, WorkerMessage } from '../../shared/wire/task-messages.ts'
import { MAX_CONCURRENCY } from '../../shared/wire/task-messages.ts'

type Started = { taskId: string; token: number }

/** While other tasks are still running, results wait this long for company. */
export const COALESCE_MS = 2

/**
 * Collects start notices and results and sends them as one `started` and one
 * `results` message. A result that leaves nothing else running goes out at the end of
 * the current turn (no added latency); while other tasks are running, results wait up
 * to COALESCE_MS for each other, so that under load many small frames become a few
 * and the relay commits them together.
 */
export class Outbox {
  private started: Started[] = []
  private results: TaskResultMessage[] = []
  private scheduled: 'soon' | 'now' | undefined
  private readonly send: (message: WorkerMessage) => Promise<void>

  constructor(send: (message: WorkerMessage) => Promise<void>) {
    this.send = send
  }

  start(task: Started): void {
    this.started.push(task)
    this.schedule('soon')
  }

  /** `lastInFlight`: no other task is running, so nothing is worth waiting for. */
  result(result: TaskResultMessage, lastInFlight: boolean): void {
    this.results.push(result)
    this.schedule(lastInFlight ? 'now' : 'soon')
  }

  async flush(): Promise<void> {
    this.scheduled = undefined
    while (this.started.length > 0) {
      await this.send({ type: 'started', tasks: this.started.splice(0, MAX_CONCURRENCY) })
    }
    while (this.results.length > 0) {
      await this.send({ type: 'results', results: this.results.splice(0, MAX_CONCURRENCY) })
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
