import { describe, expect, it } from 'vitest'
import { retryDelayMs } from './backoff.ts'

describe('retryDelayMs', () => {
  it('doubles per attempt from the base', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, { baseMs: 100 }))).toEqual([100, 200, 400, 800])
    expect(retryDelayMs(1)).toBe(500)
    expect(retryDelayMs(2)).toBe(1000)
  })

  it('treats attempts below one as the first', () => {
    expect(retryDelayMs(0, { baseMs: 100 })).toBe(100)
    expect(retryDelayMs(-3, { baseMs: 100 })).toBe(100)
    expect(retryDelayMs(Number.NaN, { baseMs: 100 })).toBe(100)
  })

  it('caps the delay, also for huge attempt numbers', () => {
    expect(retryDelayMs(40, { baseMs: 100, maxMs: 1000 })).toBe(1000)
    expect(retryDelayMs(5000)).toBe(60_000)
  })

  it('shortens the delay by up to half with the jitter the caller supplies', () => {
    expect(retryDelayMs(3, { baseMs: 100, jitter: 0 })).toBe(400)
    expect(retryDelayMs(3, { baseMs: 100, jitter: 0.5 })).toBe(300)
    expect(retryDelayMs(3, { baseMs: 100, jitter: 0.999_999 })).toBe(200)
    expect(retryDelayMs(40, { baseMs: 100, maxMs: 1000, jitter: 0.5 })).toBe(750)
  })

  it('is deterministic and clamps jitter outside [0, 1)', () => {
    expect(retryDelayMs(2, { jitter: 0.25 })).toBe(retryDelayMs(2, { jitter: 0.25 }))
    expect(retryDelayMs(2, { baseMs: 100, jitter: -1 })).toBe(200)
    expect(retryDelayMs(2, { baseMs: 100, jitter: 7 })).toBe(100)
  })
})
