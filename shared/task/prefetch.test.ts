import { describe, expect, it } from 'vitest'
import { nextMeanMs, prefetchAllowance } from './prefetch.ts'

describe('prefetchAllowance', () => {
  it('gives no buffer to a worker that announced none', () => {
    expect(prefetchAllowance(0, 4, 0.1)).toBe(0)
  })

  it('starts at one buffered task per slot before any duration is known', () => {
    expect(prefetchAllowance(32, 4, null)).toBe(4)
    expect(prefetchAllowance(2, 4, null)).toBe(2)
  })

  it('fills the whole announced buffer for very short tasks', () => {
    expect(prefetchAllowance(48, 8, 0.05)).toBe(48)
  })

  it('covers the refill time with as few tasks as it takes', () => {
    // 2 slots × 25 ms of cover / 10 ms per task = 5 tasks
    expect(prefetchAllowance(32, 2, 10, 25)).toBe(5)
  })

  it('keeps one task buffered for long tasks, never hoarding', () => {
    expect(prefetchAllowance(32, 4, 5_000)).toBe(1)
  })
})

describe('nextMeanMs', () => {
  it('starts at the first duration and moves a tenth of the way to each new one', () => {
    expect(nextMeanMs(null, 8)).toBe(8)
    expect(nextMeanMs(8, 18)).toBeCloseTo(9)
  })
})
