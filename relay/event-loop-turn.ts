/**
 * Long work on the relay's event loop, cut into slices (issue 9: nothing holds the
 * loop for 50 ms): a slice ends once it has run SLICE_MS, and the work goes on after
 * a turn of the loop, in which requests, workers' messages and timers are served.
 */

/** How long one slice of work may hold the event loop before it takes a turn. */
export const SLICE_MS = 10

/**
 * Resolves once the event loop has polled for I/O (a /healthz request, a worker's
 * message) and run the timers that were due.
 *
 * One setImmediate is not that when the work runs in the poll phase, where a
 * request's body or a message arrives: its callback runs in the check phase of the
 * same iteration, with no poll and no timers in between, so two slices ran as one.
 * The second setImmediate, queued from the check phase, waits for the next iteration,
 * whose timers and poll phases come first. From any other phase the first one already
 * crosses a poll phase; the second costs one more iteration, and slices are ≥ 10 ms.
 */
export function loopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
}

/** A turn of the loop when a step that started at `since` ran longer than SLICE_MS; else nothing to wait for. */
export function yieldAfter(since: number): Promise<void> | undefined {
  return performance.now() - since > SLICE_MS ? loopTurn() : undefined
}

/**
 * The time a piece of work has held the loop since its last turn, over several
 * steps: `pause()` takes a turn once SLICE_MS has passed since the slice began or
 * last paused. Steps each under SLICE_MS still add up (a large tool call's admission,
 * validation, store write and audit digest).
 */
export class TimeSlice {
  #since = performance.now()

  pause(): Promise<void> | undefined {
    if (performance.now() - this.#since <= SLICE_MS) return undefined
    return loopTurn().then(() => {
      this.#since = performance.now()
    })
  }
}
