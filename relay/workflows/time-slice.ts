import { setImmediate as nextTurn } from 'node:timers/promises'

/** How long one run of the engine may hold the event loop before it lets I/O in. */
export const SLICE_MS = 10

/**
 * Cuts a long run of synchronous work (a 1,000-step fan-out starting, a map's items)
 * into turns of the event loop: `pause()` gives the loop back once `SLICE_MS` has
 * passed since the last pause, so requests, results and the dispatcher's rounds are
 * served in between (the trust model: nothing holds the loop for 50 ms). Starting a
 * 1,000-wide fan-out in one turn held it for over 300 ms, and no task was assigned
 * until every one was queued.
 */
export class TimeSlice {
  #since = performance.now()

  async pause(): Promise<void> {
    if (performance.now() - this.#since < SLICE_MS) return
    await nextTurn()
    this.#since = performance.now()
  }
}
