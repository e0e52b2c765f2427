import type { TaskResultMessage } from '../../shared/wire/task-messages.ts'
import { MAX_CONCURRENCY } from '../../shared/wire/task-messages.ts'

/**
 * Collects results finished in the same turn of the event loop and sends them as one
 * `results` message: under load this turns many small frames into a few.
 */
export class ResultBatcher {
  private pending: TaskResultMessage[] = []
  private scheduled: Promise<void> | undefined
  private readonly sendBatch: (results: TaskResultMessage[]) => Promise<void>

  constructor(sendBatch: (results: TaskResultMessage[]) => Promise<void>) {
    this.sendBatch = sendBatch
  }

  add(result: TaskResultMessage): void {
    this.pending.push(result)
    this.scheduled ??= new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => this.flush())
  }

  async flush(): Promise<void> {
    this.scheduled = undefined
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_CONCURRENCY)
      await this.sendBatch(batch)
    }
  }
}
