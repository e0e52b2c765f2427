/** Gives a slot back; calling it again does nothing. */
export type Release = () => void

export interface FairSlotsOptions {
  /** Work items running at once, over every key. */
  maxRunning: number
  /** Work items one key may have running or waiting; more are refused. */
  maxPerKey: number
}

interface Waiter {
  grant: (release: Release) => void
}

/**
 * A global bound on running work, a cap per key (an identity), and round-robin among
 * the keys that wait: when a slot frees up it goes to the key that was served longest
 * ago, so a key holding many slots cannot starve the others, and with `maxPerKey` below
 * `maxRunning` one key can never hold them all. A key's running and waiting items both
 * count against its cap; an item keeps its slot until its release, so work that is
 * slow to stop still counts.
 *
 * Hand-written: p-queue is one FIFO with no per-key cap or fairness, and
 * rate-limiter-flexible limits rates over time windows, not work in progress.
 */
export class FairSlots {
  private readonly options: FairSlotsOptions
  private runningCount = 0
  private readonly inFlight = new Map<string, number>()
  /** Waiters by key; the Map's order is the round-robin order (a served key moves last). */
  private readonly queues = new Map<string, Waiter[]>()

  constructor(options: FairSlotsOptions) {
    if (options.maxRunning < 1 || options.maxPerKey < 1) throw new Error('slot limits must be at least 1')
    this.options = options
  }

  get running(): number {
    return this.runningCount
  }

  get waiting(): number {
    let n = 0
    for (const q of this.queues.values()) n += q.length
    return n
  }

  /** Items `key` has running or waiting. */
  held(key: string): number {
    return this.inFlight.get(key) ?? 0
  }

  /**
   * A slot for `key`: at once when one is free, else when its turn comes. Undefined when
   * `key` is already at its cap (the caller refuses). Aborting `signal` while waiting
   * rejects with its reason and gives the place up.
   */
  acquire(key: string, signal?: AbortSignal): Promise<Release> | undefined {
    const held = this.held(key)
    if (held >= this.options.maxPerKey) return undefined
    if (signal?.aborted) return Promise.reject(signal.reason)
    this.inFlight.set(key, held + 1)
    if (this.runningCount < this.options.maxRunning) {
      this.runningCount++
      return Promise.resolve(this.releaser(key))
    }
    return new Promise<Release>((resolve, reject) => {
      const onAbort = () => {
        const queue = this.queues.get(key) ?? []
        queue.splice(queue.indexOf(waiter), 1)
        if (queue.length === 0) this.queues.delete(key)
        this.leave(key)
        reject(signal?.reason)
      }
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort)
          resolve(release)
        },
      }
      const queue = this.queues.get(key)
      if (queue) queue.push(waiter)
      else this.queues.set(key, [waiter])
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  private releaser(key: string): Release {
    let released = false
    return () => {
      if (released) return
      released = true
      this.runningCount--
      this.leave(key)
      this.next()
    }
  }

  private leave(key: string): void {
    const n = this.held(key) - 1
    if (n > 0) this.inFlight.set(key, n)
    else this.inFlight.delete(key)
  }

  private next(): void {
    while (this.runningCount < this.options.maxRunning) {
      const first = this.queues.entries().next()
      if (first.done) return
      const [key, queue] = first.value
      const waiter = queue.shift() as Waiter
      // Served: the key goes to the back of the line, behind every other waiting key.
      this.queues.delete(key)
      if (queue.length > 0) this.queues.set(key, queue)
      this.runningCount++
      waiter.grant(this.releaser(key))
    }
  }
}
