import { MAX_THROUGHPUT_WINDOW_SECONDS, type Throughput } from '../wire/announce-messages.ts'

/** Cumulative counts read at one moment (relay/dashboard/activity-counters.ts). */
export interface CounterSample {
  time: number
  completed: number
  failed: number
  calls: number
}

/** The window a relay's announced throughput is averaged over (issue 13: "the last minute"). */
export const THROUGHPUT_WINDOW_MS = 60_000
/** Samples kept at most; announcements come at most every 200 ms, so a minute fits. */
const MAX_SAMPLES = 512

/**
 * Rates over the last minute from cumulative counters sampled whenever the relay
 * announces (every `relays.announceIntervalSeconds`, and on changes): the base is the
 * newest sample at least a minute old, or the oldest one while the relay is younger,
 * and the window actually covered is reported with the rates.
 */
export class ThroughputWindow {
  readonly #windowMs: number
  #samples: CounterSample[] = []

  constructor(windowMs = THROUGHPUT_WINDOW_MS) {
    this.#windowMs = windowMs
  }

  /** Records `now`; the rates since the base sample, or undefined with no earlier sample. */
  add(now: CounterSample): Throughput | undefined {
    const samples = this.#samples.filter((s) => s.time < now.time)
    samples.push(now)
    // Keep one sample at or beyond the window's start: it is the next base.
    let first = 0
    while (
      first + 1 < samples.length &&
      (samples[first + 1] as CounterSample).time <= now.time - this.#windowMs
    )
      first++
    this.#samples = samples.slice(Math.max(first, samples.length - MAX_SAMPLES))
    const base = this.#samples[0] as CounterSample
    const seconds = (now.time - base.time) / 1000
    if (seconds <= 0 || seconds > MAX_THROUGHPUT_WINDOW_SECONDS) return undefined
    // Counters only grow within one process; a smaller one counts as none.
    const rate = (later: number, earlier: number) => Math.max(0, later - earlier) / seconds
    return {
      windowSeconds: seconds,
      completedPerSecond: rate(now.completed, base.completed),
      failedPerSecond: rate(now.failed, base.failed),
      callsPerSecond: rate(now.calls, base.calls),
    }
  }
}
