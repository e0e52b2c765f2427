import { describe, expect, it } from 'vitest'
import { bucketDelta, chartPoint, quantile, type Sample } from './rates.ts'

const buckets = (bounds: [number, number][], count: number) => ({ bounds, count })

function sample(time: number, succeeded: number, latency = buckets([], 0), queued = 0): Sample {
  return {
    time,
    queued,
    counters: {
      tasksSucceeded: succeeded,
      tasksFailed: 0,
      tasksCancelled: 0,
      calls: 0,
      callErrors: 0,
      callLatency: latency,
    },
  }
}

describe('dashboard rates', () => {
  it('interpolates a quantile within its bucket, like histogram_quantile', () => {
    const h = buckets(
      [
        [0.01, 50],
        [0.1, 100],
      ],
      100,
    )
    expect(quantile(h, 0.5)).toBeCloseTo(0.01)
    expect(quantile(h, 0.75)).toBeCloseTo(0.055)
    expect(quantile(buckets([[0.01, 0]], 0), 0.5)).toBeNull()
    // Observations above the last finite bound answer that bound.
    expect(quantile(buckets([[0.01, 1]], 10), 0.99)).toBe(0.01)
  })

  it('takes percentiles over the window only', () => {
    const early = buckets(
      [
        [0.001, 100],
        [1, 100],
      ],
      100,
    )
    const late = buckets(
      [
        [0.001, 100],
        [1, 110],
      ],
      110,
    )
    expect(bucketDelta(late, early)).toEqual(
      buckets(
        [
          [0.001, 0],
          [1, 10],
        ],
        10,
      ),
    )
  })

  it('derives tasks per second from cumulative counters and survives a relay restart', () => {
    const point = chartPoint(sample(3000, 30, undefined, 4), sample(2000, 10), sample(0, 0))
    expect(point).toMatchObject({ t: 3, tasksPerSecond: 20, queueDepth: 4, p50Ms: null })
    expect(chartPoint(sample(3000, 5), sample(2000, 100), sample(0, 0)).tasksPerSecond).toBe(5)
  })
})
