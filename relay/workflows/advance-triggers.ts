import { SLICE_MS } from '../event-loop-turn.ts'

/**
 * When the engine advances a workflow other than on a request: once per turn of the
 * event loop for every workflow whose tasks settled in it (a burst of settles costs one
 * advance each, started in slices of the loop's time), and after a delay for one whose
 * step waits for the task quota (one timer per workflow). Stopped with the engine.
 */
export class AdvanceTriggers {
  readonly #advance: (workflowId: string) => void
  readonly #settled = new Set<string>()
  readonly #retries = new Map<string, ReturnType<typeof setTimeout>>()
  #stopped = false

  constructor(advance: (workflowId: string) => void) {
    this.#advance = advance
  }

  /** A task of this workflow settled: advance it once, after this turn. */
  settled(workflowId: string): void {
    if (this.#stopped) return
    if (this.#settled.size === 0) setImmediate(() => this.#flush())
    this.#settled.add(workflowId)
  }

  /**
   * Starts the advances asked for, for at most SLICE_MS, and leaves the rest to the
   * next turn: after a round of results settles thousands of workflows, requests
   * (a status, a health check) are served in between instead of after all of them.
   */
  #flush(): void {
    if (this.#stopped) return
    const started = performance.now()
    for (const id of this.#settled) {
      this.#settled.delete(id)
      this.#advance(id)
      if (performance.now() - started >= SLICE_MS) break
    }
    if (this.#settled.size > 0) setImmediate(() => this.#flush())
  }

  /** Advance it again in `ms`; false when a retry was already due. */
  retryLater(workflowId: string, ms: number): boolean {
    if (this.#retries.has(workflowId) || this.#stopped) return false
    const timer = setTimeout(() => {
      this.#retries.delete(workflowId)
      this.#advance(workflowId)
    }, ms)
    timer.unref?.()
    this.#retries.set(workflowId, timer)
    return true
  }

  stop(): void {
    this.#stopped = true
    for (const timer of this.#retries.values()) clearTimeout(timer)
    this.#retries.clear()
  }
}
