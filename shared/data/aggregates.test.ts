import { describe, expect, it } from 'vitest'
import { aggregateSql, interval, isNumericType } from './aggregates.ts'

describe('aggregates', () => {
  it('writes quoted aggregate expressions with default names', () => {
    expect(aggregateSql({ fn: 'mean', column: 'price' })).toBe('avg("price") AS "mean_price"')
    expect(aggregateSql({ fn: 'count' })).toBe('count(*) AS "count"')
    expect(aggregateSql({ fn: 'median', column: 'a"b', as: 'mid' })).toBe(
      'quantile_cont("a""b", 0.5) AS "mid"',
    )
    expect(() => aggregateSql({ fn: 'sum' })).toThrow(/needs a column/)
  })

  it('accepts only plain intervals', () => {
    expect(interval.safeParse('15 minutes').success).toBe(true)
    expect(interval.safeParse('1 day').success).toBe(true)
    expect(interval.safeParse("1 day'); DROP TABLE t; --").success).toBe(false)
  })

  it('knows numeric column types', () => {
    expect(isNumericType('DECIMAL(10,2)')).toBe(true)
    expect(isNumericType('BIGINT')).toBe(true)
    expect(isNumericType('VARCHAR')).toBe(false)
    expect(isNumericType('TIMESTAMP')).toBe(false)
  })
})
