import { describe, expect, it } from 'vitest'
import { comparePositions, expiredTaskError, removalBound } from './retention.ts'

describe('removalBound', () => {
  const day = 86_400_000

  it('cuts by age when no more than the max count are kept', () => {
    const bound = removalBound(10 * day, { maxAgeMs: day }, undefined)
    // A row that finished 1 ms before the cutoff goes; one at the cutoff stays.
    expect(comparePositions({ finishedAt: 9 * day - 1, seq: 5 }, bound)).toBeLessThanOrEqual(0)
    expect(comparePositions({ finishedAt: 9 * day, seq: 0 }, bound)).toBeGreaterThan(0)
  })

  it('takes the count boundary when it lies past the age cutoff', () => {
    const beyondCount = { finishedAt: 9 * day + 5, seq: 42 }
    expect(removalBound(10 * day, { maxAgeMs: day }, beyondCount)).toEqual(beyondCount)
  })

  it('keeps the age cutoff when the count boundary is older', () => {
    const bound = removalBound(10 * day, { maxAgeMs: day }, { finishedAt: 3 * day, seq: 7 })
    expect(bound.finishedAt).toBe(9 * day - 1)
  })

  it('orders rows that finished in the same millisecond by seq', () => {
    expect(comparePositions({ finishedAt: 5, seq: 1 }, { finishedAt: 5, seq: 2 })).toBeLessThan(0)
  })
})

describe('expiredTaskError', () => {
  it('says NOT_FOUND with the reason expired and the time as ISO', () => {
    const err = expiredTaskError('t1', Date.UTC(2026, 0, 2, 3, 4, 5))
    expect(err.code).toBe('NOT_FOUND')
    expect(err.details).toEqual({ taskId: 't1', reason: 'expired', expiredAt: '2026-01-02T03:04:05.000Z' })
  })
})
