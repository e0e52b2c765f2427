/** Pure arithmetic of the soak report: slopes, flatness and per-minute buckets. */

export interface Point {
  /** Minutes since the run started. */
  x: number
  y: number
}

/** Least-squares slope of y over x (y units per minute); NaN with fewer than two distinct x. */
export function slope(points: readonly Point[]): number {
  const n = points.length
  if (n < 2) return Number.NaN
  const meanX = points.reduce((s, p) => s + p.x, 0) / n
  const meanY = points.reduce((s, p) => s + p.y, 0) / n
  let sxy = 0
  let sxx = 0
  for (const p of points) {
    sxy += (p.x - meanX) * (p.y - meanY)
    sxx += (p.x - meanX) ** 2
  }
  return sxx === 0 ? Number.NaN : sxy / sxx
}

/** A store counts as flat while its size at the end is at most this far above its earlier peak. */
export const FLAT_TOLERANCE = { ratio: 0.1, absolute: 1 }

export interface Flatness {
  /** Size at the last sample. */
  end: number
  /** Largest size over the first half of the measured samples. */
  peak: number
  /** end − peak (negative: the store shrank). */
  growth: number
  /** growth ≤ max(ratio × peak, absolute). */
  flat: boolean
}

/**
 * Whether a store stopped growing once retention cycles. Its size saws up and down as
 * sweeps remove rows and blocks, so one sample is compared with a peak, not with
 * another sample: the size at the end against the largest size over the first half
 * of the measured samples. A store that grows for good ends above every earlier peak
 * by what it gained over half the run; one that retention holds ends inside its band.
 * (The end against the peak of the second half would pass a store that only grows:
 * its end is that peak.) The absolute slack keeps a store of a few MB from failing on
 * one SQLite page or one block.
 */
export function flatness(
  samples: readonly Point[],
  tolerance: { ratio: number; absolute: number } = FLAT_TOLERANCE,
): Flatness {
  const last = samples.at(-1)
  if (last === undefined || samples.length < 2) {
    return { end: Number.NaN, peak: Number.NaN, growth: Number.NaN, flat: false }
  }
  const firstHalf = samples.slice(0, Math.ceil(samples.length / 2))
  const peak = Math.max(...firstHalf.map((p) => p.y))
  const growth = last.y - peak
  return {
    end: last.y,
    peak,
    growth,
    flat: growth <= Math.max(tolerance.ratio * peak, tolerance.absolute),
  }
}

/** The value at percentile `p` of an ascending list (nearest rank); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return sorted[Math.max(0, index)] as number
}

/**
 * The minutes a run reports: whole minutes counted from the end of the warm-up; a
 * trailing part-minute is left out, so every measured minute's throughput has the
 * same length. Warm-up minutes come first, with negative indexes.
 */
export interface MinuteSpan {
  index: number
  /** Seconds since the run started. */
  from: number
  to: number
  warmup: boolean
}

export function minuteSpans(warmupSeconds: number, seconds: number): MinuteSpan[] {
  const warmupStarts: number[] = []
  for (let from = warmupSeconds - 60; from > -60; from -= 60) warmupStarts.unshift(from)
  const warmup = warmupStarts.map((from, i) => ({
    index: i - warmupStarts.length,
    from: Math.max(0, from),
    to: from + 60,
    warmup: true,
  }))
  const measured: MinuteSpan[] = []
  for (let i = 0; warmupSeconds + (i + 1) * 60 <= seconds; i++) {
    measured.push({ index: i, from: warmupSeconds + i * 60, to: warmupSeconds + (i + 1) * 60, warmup: false })
  }
  return [...warmup, ...measured]
}

/** How far the last measured minute's count is from the first's (0.05 = 5 % apart). */
export function drift(first: number, last: number): number {
  if (first === 0) return last === 0 ? 0 : Number.POSITIVE_INFINITY
  return Math.abs(last - first) / first
}
