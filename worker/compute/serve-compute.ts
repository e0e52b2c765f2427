import { runKind } from '../../shared/task/kinds/run-kind.ts'
import type { ComputeReply, RunRequest } from './messages.ts'

export interface ComputePort {
  postMessage(message: ComputeReply): void
  onMessage(listener: (message: RunRequest) => void): void
}

/**
 * The body of a compute context (a worker thread under Node, a nested Web Worker in a
 * browser): runs one task kind per request. It has no signal of its own: the pool
 * cancels or times out a task by terminating the whole context.
 */
export function serveCompute(port: ComputePort): void {
  const signal = new AbortController().signal
  port.onMessage(async (request) => {
    const progress = (p: number, total?: number, message?: string) => {
      port.postMessage({
        type: 'progress',
        id: request.id,
        progress: p,
        ...(total === undefined ? {} : { total }),
        ...(message === undefined ? {} : { message }),
      })
    }
    const outcome = await runKind(request.kind, request.input, { signal, progress })
    port.postMessage({ type: 'done', id: request.id, outcome })
  })
}
