import { describe, expect, it } from 'vitest'
import { matchesFilter, metadataFilter } from './metadata-filter.ts'

const doc = { lang: 'en', year: 2021, tags: 'x', draft: false }

describe('matchesFilter', () => {
  it('matches plain values by equality, all fields at once', () => {
    expect(matchesFilter(doc, { lang: 'en' })).toBe(true)
    expect(matchesFilter(doc, { lang: 'en', year: 2020 })).toBe(false)
    expect(matchesFilter(doc, { missing: null })).toBe(true)
    expect(matchesFilter(undefined, { lang: 'en' })).toBe(false)
  })

  it('compares ranges and sets', () => {
    expect(matchesFilter(doc, { year: { gte: 2021, lt: 2022 } })).toBe(true)
    expect(matchesFilter(doc, { year: { gt: 2021 } })).toBe(false)
    expect(matchesFilter(doc, { lang: { in: ['de', 'en'] } })).toBe(true)
    expect(matchesFilter(doc, { lang: { nin: ['en'] } })).toBe(false)
    expect(matchesFilter(doc, { draft: { ne: true } })).toBe(true)
    // A number bound never matches a string value.
    expect(matchesFilter(doc, { lang: { gt: 1 } })).toBe(false)
  })

  it('refuses empty or unknown operators', () => {
    expect(metadataFilter.safeParse({ year: {} }).success).toBe(false)
    expect(metadataFilter.safeParse({ year: { between: [1, 2] } }).success).toBe(false)
  })
})
