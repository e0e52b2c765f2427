import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonLikeValue } from '../../tests/fixtures/json-like.ts'
import { paramsDigest, paramsDigestInTurns, SLICED_FROM_VALUES } from './params-digest.ts'

const tree = jsonLikeValue()

describe('paramsDigestInTurns', () => {
  it('answers small params at once, with the digest of their canonical JSON', () => {
    expect(paramsDigestInTurns({ b: 1, a: [1, 2] })).toBe(paramsDigest({ a: [1, 2], b: 1 }))
    expect(paramsDigestInTurns(undefined)).toBe(paramsDigest({}))
  })

  it('gives the same digest in turns for large params of any shape', async () => {
    // Random values, each repeated into a tree large enough to be sliced: as array items
    // (in and beyond a run), as object members, and nested.
    await fc.assert(
      fc.asyncProperty(tree, fc.nat(2_000), async (value, extra) => {
        const many = Array.from({ length: SLICED_FROM_VALUES + extra }, (_, i) =>
          i % 3 === 0 ? { v: value, i } : i % 3 === 1 ? [value] : value,
        )
        const params = {
          z: many,
          a: Object.fromEntries(many.slice(0, 1_500).map((v, i) => [`k${i % 2 ? i : -i}`, v])),
          nested: { deeper: [many.slice(0, 1_200), { '10': many.slice(0, 1_100), '9': value }] },
        }
        const sliced = paramsDigestInTurns(params)
        expect(sliced).toBeInstanceOf(Promise)
        expect(await sliced).toBe(paramsDigest(params))
      }),
      { numRuns: 10, seed: 16 },
    )
  })

  it('gives the event loop turns while it digests the largest params', async () => {
    const objects = { extra: Array.from({ length: 300_000 }, (_, i) => ({ b: i, a: 'x' })) }
    const numbers = { extra: Array.from({ length: 1_500_000 }, (_, i) => i / 7) }
    for (const params of [objects, numbers]) {
      let turns = 0
      const timer = setInterval(() => turns++, 0)
      const digest = await paramsDigestInTurns(params)
      clearInterval(timer)
      expect(digest).toBe(paramsDigest(params))
      expect(turns).toBeGreaterThan(0)
    }
  })
})
