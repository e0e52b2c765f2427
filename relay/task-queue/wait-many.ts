import type { TaskRecord } from '../../shared/task/types.ts'
import { TERMINAL_STATES } from '../../shared/task/types.ts'
import type { TaskWaiters } from './task-waiters.ts'

/** How long and how to wait for one task (TaskService.wait) or many. */
export interface WaitOptions {
  signal?: AbortSignal
  timeoutMs?: number
  onProgress?: (progress: number, total?: number, message?: string) => void
}

export type WaitManyOptions = WaitOptions & { onFinished?: (task: TaskRecord) => void }

/**
 * Waits for many tasks at once (a batch submission): one timer and one abort
 * listener for the whole batch. `current` are the tasks as they are now, taken in
 * this same turn of the event loop (as `submit` returns them), so no settlement can
 * slip in between; `onFinished` is called as each one finishes, `onProgress` with
 * the progress of any of them (the latest known first).
 */
export function waitForTasks(
  waiters: TaskWaiters,
  getMany: (ids: string[]) => TaskRecord[],
  current: readonly TaskRecord[],
  options: WaitManyOptions = {},
): Promise<{ tasks: TaskRecord[]; timedOut: boolean }> {
  const { signal, timeoutMs, onFinished, onProgress } = options
  const tasks = [...current]
  return new Promise((resolve, reject) => {
    let open = 0
    const cleanups: Array<() => void> = []
    const finish = (fn: () => void) => {
      for (const c of cleanups.splice(0)) c()
      fn()
    }
    tasks.forEach((task, i) => {
      if (TERMINAL_STATES.has(task.state)) return
      open++
      cleanups.push(
        waiters.onDone(task.id, (done) => {
          tasks[i] = done
          onFinished?.(done)
          if (--open === 0) finish(() => resolve({ tasks, timedOut: false }))
        }),
      )
      if (onProgress) {
        const last = waiters.latestProgress(task.id)
        if (last) onProgress(last.progress, last.total, last.message)
        cleanups.push(waiters.onProgress(task.id, (p) => onProgress(p.progress, p.total, p.message)))
      }
    })
    if (open === 0) return resolve({ tasks, timedOut: false })
    if (timeoutMs !== undefined) {
      const timer = setTimeout(() => {
        const latest = new Map(getMany(tasks.map((t) => t.id)).map((t) => [t.id, t]))
        finish(() => resolve({ tasks: tasks.map((t) => latest.get(t.id) ?? t), timedOut: true }))
      }, timeoutMs)
      cleanups.push(() => clearTimeout(timer))
    }
    if (signal) {
      const onAbort = () => finish(() => reject(signal.reason))
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort, { once: true })
      cleanups.push(() => signal.removeEventListener('abort', onAbort))
    }
  })
}
