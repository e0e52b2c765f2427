import type { TaskResultMessage, WorkerMessage } from '../../shared/wire/task-messages.ts'
import { MAX_CONCURRENCY } from '../../shared/wire/task-messages.ts'

type Started = { taskId: string; token: number }

/**
 * Collects the start notices and results produced in the same turn of the event loop
 * and sends them as one `started` and one `results` message: under load this turns
 * many small frames into a few, and the relay commits them together.
 */
export class Outbox {
  private started: Started[] = []
  private results: TaskResultMessage[] = []
  private scheduled = false
  private readonly send: (message: WorkerMessage) => Promise<void>

  constructor(send: (message: WorkerMessage) => Promise<void>) {
    this.send = send
  }

  start(task: Started): void {
    this.started.push(task)
    this.schedule()
  }

  result(result: TaskResultMessage): void {
    this.results.push(result)
    this.schedule()
  }

  async flush(): Promise<void> {
    this.scheduled = false
    while (this.started.length > 0) {
      await this.send({ type: 'started', tasks: this.started.splice(0, MAX_CONCURRENCY) })
    }
    while (this.results.length > 0) {
      await this.send({ type: 'results', results: this.results.splice(0, MAX_CONCURRENCY) })
    }
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    queueMicrotask(() => void this.flush())
  }
}
