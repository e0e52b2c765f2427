import { runKind } from '../../shared/task/kinds/run-kind.ts'
import type { ComputeReply, RunRequest } from './messages.ts'

export interface ComputePort {
  postMessage(message: ComputeReply): void
  onMessage(listener: (message: RunRequest) => void): void
}

/**
 * The body of a compute context (a worker thread under Node, a nested Web Worker in a
 * browser): runs the tasks it is sent one after another, answering each as soon as it
 * is done. It has no signal of its own: the pool cancels or times out a task by
 * terminating the whole context.
 */
export function serveCompute(port: ComputePort): void {
  const signal = new AbortController().signal
  const queue: RunRequest['tasks'] = []
  let running = false
  const drain = async () => {
    running = true
    for (let task = queue.shift(); task !== undefined; task = queue.shift()) {
      const { id } = task
      const progress = (p: number, total?: number, message?: string) => {
        port.postMessage({
          type: 'progress',
          id,
          progress: p,
          ...(total === undefined ? {} : { total }),
          ...(message === undefined ? {} : { message }),
        })
      }
      const started = performance.now()
      const outcome = await runKind(task.kind, task.input, { signal, progress })
      port.postMessage({ type: 'done', id, outcome, ms: performance.now() - started })
    }
    running = false
  }
  port.onMessage((request) => {
    queue.push(...request.tasks)
    if (!running) void drain()
  })
}
