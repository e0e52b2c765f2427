import type { Buckets, DashboardSnapshot } from './snapshot-types.ts'

/** What the page keeps of each snapshot for its charts: counters and depth, not the lists. */
export interface Sample {
  time: number
  queued: number
  counters: DashboardSnapshot['counters']
}

/** One point of the Overview charts. */
export interface ChartPoint {
  /** Unix seconds (uPlot's x axis). */
  t: number
  tasksPerSecond: number
  errorsPerSecond: number
  queueDepth: number
  p50Ms: number | null
  p99Ms: number | null
}

export function sampleOf(s: DashboardSnapshot): Sample {
  return { time: s.time, queued: s.queue.queued, counters: s.counters }
}

/**
 * The chart point at `now`, from the sample just before it (rates) and one a few
 * seconds earlier (latency percentiles over that window, so one slow call moves the
 * line for a while, not a single pixel). A counter that went down (the relay
 * restarted) counts from zero.
 */
export function chartPoint(now: Sample, previous: Sample, windowStart: Sample): ChartPoint {
  const seconds = Math.max((now.time - previous.time) / 1000, 0.001)
  const delta = (a: number, b: number) => (a >= b ? a - b : a)
  const finished = (s: Sample) =>
    s.counters.tasksSucceeded + s.counters.tasksFailed + s.counters.tasksCancelled
  const latency = bucketDelta(now.counters.callLatency, windowStart.counters.callLatency)
  return {
    t: now.time / 1000,
    tasksPerSecond: delta(finished(now), finished(previous)) / seconds,
    errorsPerSecond:
      (delta(now.counters.callErrors, previous.counters.callErrors) +
        delta(now.counters.tasksFailed, previous.counters.tasksFailed)) /
      seconds,
    queueDepth: now.queued,
    p50Ms: msOrNull(quantile(latency, 0.5)),
    p99Ms: msOrNull(quantile(latency, 0.99)),
  }
}

const msOrNull = (seconds: number | null) => (seconds === null ? null : seconds * 1000)

/** Observations between two cumulative histograms (the later minus the earlier). */
export function bucketDelta(later: Buckets, earlier: Buckets): Buckets {
  if (later.count < earlier.count) return later
  const before = new Map(earlier.bounds)
  return {
    bounds: later.bounds.map(([le, n]) => [le, n - (before.get(le) ?? 0)]),
    count: later.count - earlier.count,
  }
}

/**
 * The q-quantile of a histogram, interpolated within its bucket as Prometheus'
 * `histogram_quantile` does; above the last finite bound it is that bound. Null when
 * nothing was observed.
 */
export function quantile(h: Buckets, q: number): number | null {
  if (h.count === 0) return null
  const rank = q * h.count
  let lower = 0
  let below = 0
  for (const [le, cumulative] of h.bounds) {
    if (cumulative >= rank) {
      const inBucket = cumulative - below
      return inBucket === 0 ? le : lower + ((le - lower) * (rank - below)) / inBucket
    }
    lower = le
    below = cumulative
  }
  return lower
}
