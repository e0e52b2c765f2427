/**
 * When the engine advances a workflow other than on a request: once per turn of the
 * event loop for every workflow whose tasks settled in it (a burst of settles costs one
 * advance each), and after a delay for one whose step waits for the task quota (one
 * timer per workflow). Stopped with the engine.
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
    if (this.#settled.size === 0) {
      setImmediate(() => {
        const ids = [...this.#settled]
        this.#settled.clear()
        if (!this.#stopped) for (const id of ids) this.#advance(id)
      })
    }
    this.#settled.add(workflowId)
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
