import { describe, expect, it } from 'vitest'
import { drift, flatness, minuteSpans, percentile, slope } from './stats.ts'

const line = (a: number, b: number, xs: number[]) => xs.map((x) => ({ x, y: a * x + b }))

describe('slope', () => {
  it('recovers the gradient of points on a line', () => {
    expect(slope(line(0.75, 120, [1, 2, 3, 4.5, 10]))).toBeCloseTo(0.75, 12)
    expect(slope(line(-2, 5, [0, 1]))).toBeCloseTo(-2, 12)
  })

  it('is the least-squares fit through noise, not the first-to-last difference', () => {
    // The end points alone say (4 − 0) / 3 ≈ 1.33; the fit through all four says 1.2.
    expect(slope([0, 2, 2, 4].map((y, x) => ({ x, y })))).toBeCloseTo(1.2, 12)
  })

  it('is zero for a flat series and NaN when no line is defined', () => {
    expect(slope(line(0, 7, [0, 1, 2]))).toBe(0)
    expect(slope([{ x: 1, y: 1 }])).toBeNaN()
    expect(
      slope([
        { x: 2, y: 1 },
        { x: 2, y: 5 },
      ]),
    ).toBeNaN()
  })
})

describe('flatness', () => {
  const series = (ys: number[]) => ys.map((y, x) => ({ x, y }))

  it('passes a store that saws inside the band retention holds it to', () => {
    const result = flatness(series([40, 52, 45, 50, 44, 51, 46, 49]))
    expect(result).toMatchObject({ end: 49, peak: 52, flat: true })
    expect(result.growth).toBe(-3)
  })

  it('fails a store that keeps growing, even though its end is the peak of the second half', () => {
    const result = flatness(series([40, 44, 48, 52, 56, 60, 64, 68]))
    expect(result).toMatchObject({ end: 68, peak: 52, growth: 16, flat: false })
  })

  it('allows growth up to 10 % of the peak, or 1 MB for a small store', () => {
    expect(flatness(series([100, 100, 110])).flat).toBe(true)
    expect(flatness(series([100, 100, 110.5])).flat).toBe(false)
    expect(flatness(series([2, 2, 3])).flat).toBe(true)
    expect(flatness(series([2, 2, 3.5])).flat).toBe(false)
  })

  it('does not call a single sample flat', () => {
    expect(flatness(series([5])).flat).toBe(false)
  })
})

describe('minuteSpans', () => {
  it('counts measured minutes from the end of the warm-up and drops a trailing part-minute', () => {
    const spans = minuteSpans(30, 170)
    expect(spans).toEqual([
      { index: -1, from: 0, to: 30, warmup: true },
      { index: 0, from: 30, to: 90, warmup: false },
      { index: 1, from: 90, to: 150, warmup: false },
    ])
  })

  it('splits a long warm-up into minutes ending where measuring starts', () => {
    expect(minuteSpans(90, 150).map((s) => [s.index, s.from, s.to, s.warmup])).toEqual([
      [-2, 0, 30, true],
      [-1, 30, 90, true],
      [0, 90, 150, false],
    ])
  })

  it('has no warm-up minute without a warm-up', () => {
    expect(minuteSpans(0, 60)).toEqual([{ index: 0, from: 0, to: 60, warmup: false }])
  })
})

describe('drift and percentile', () => {
  it('measures the last minute against the first', () => {
    expect(drift(1200, 1080)).toBeCloseTo(0.1, 12)
    expect(drift(1200, 1320)).toBeCloseTo(0.1, 12)
    expect(drift(0, 0)).toBe(0)
    expect(drift(0, 5)).toBe(Number.POSITIVE_INFINITY)
  })

  it('takes the nearest-rank percentile of a sorted list', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(hundred, 99)).toBe(99)
    expect(percentile(hundred, 50)).toBe(50)
    expect(percentile([3], 99)).toBe(3)
    expect(percentile([], 99)).toBeNaN()
  })
})
