import type { WorkflowProgress, WorkflowStatus } from './workflows.ts'

export interface WatchSource {
  /** The workflow's full status (read once at the end of a wait). */
  status(id: string): WorkflowStatus
  /** Its progress while the engine follows it; undefined once it ended. */
  progress(id: string): WorkflowProgress | undefined
}

/**
 * Callers waiting for workflows to end (`wait: true`, issue 12). The engine calls
 * `notify` after each decision; a waiter then hears the progress the engine keeps in
 * memory, so a change costs no read, and the full status is read once, at the end.
 */
export class WorkflowWatchers {
  readonly #source: WatchSource
  readonly #watchers = new Map<string, Set<() => void>>()

  constructor(source: WatchSource) {
    this.#source = source
  }

  wait(
    id: string,
    options: { timeoutMs: number; signal?: AbortSignal; onChange?: (progress: WorkflowProgress) => void },
  ): Promise<{ status: WorkflowStatus; timedOut: boolean }> {
    const first = this.#source.status(id)
    if (first.workflow.state !== 'running') return Promise.resolve({ status: first, timedOut: false })
    return new Promise((resolve) => {
      const watchers = this.#watchers.get(id) ?? new Set()
      this.#watchers.set(id, watchers)
      const done = (timedOut: boolean) => {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', aborted)
        watchers.delete(changed)
        if (watchers.size === 0) this.#watchers.delete(id)
        resolve({ status: this.#source.status(id), timedOut })
      }
      const changed = () => {
        const progress = this.#source.progress(id)
        if (progress !== undefined) options.onChange?.(progress)
        else if (this.#source.status(id).workflow.state !== 'running') done(false)
      }
      const aborted = () => done(true)
      const timer = setTimeout(() => done(true), options.timeoutMs)
      watchers.add(changed)
      if (options.signal?.aborted) done(true)
      else options.signal?.addEventListener('abort', aborted, { once: true })
    })
  }

  /** Something about this workflow changed: its waiters look. */
  notify(id: string): void {
    for (const watcher of [...(this.#watchers.get(id) ?? [])]) watcher()
  }
}
