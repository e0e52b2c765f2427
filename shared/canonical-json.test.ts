import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonLikeValue } from '../tests/fixtures/json-like.ts'
import { canonicalJson } from './canonical-json.ts'

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined like JSON does', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    )
    expect(canonicalJson([undefined, 'x'])).toBe('[null,"x"]')
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }))
  })
})

/** The first implementation; audit hashes already on disk were made with it. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : reference(v))).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`
}

describe('canonicalJson output is stable', () => {
  it('matches the first implementation on awkward values', () => {
    const values: unknown[] = [
      { é: 1, e: 2, E: 3, '\u{1F600}': 4, '\uFFFF': 5, '10': 6, '9': 7, '': 8 },
      { f: () => 1, u: undefined, n: Number.NaN, i: Number.POSITIVE_INFINITY, z: -0 },
      [undefined, () => 1, null, [[]], {}, 'a"b\\c\n'],
      { nested: [{ b: [1, { d: undefined, c: 'x' }], a: true }], date: new Date(0) },
      JSON.parse('{"z":1,"__proto__":{"b":2,"a":1},"10":[{"9":0,"10":1}]}'),
      [
        new Date(0),
        { toJSON: () => 'x', a: 1 },
        Object.assign(Object.create({ inherited: 1 }), { b: 1, a: 2 }),
      ],
      1.5e300,
      'plain',
      undefined,
    ]
    for (const value of values) expect(canonicalJson(value)).toBe(reference(value))
  })
})

describe('canonicalJson is fast and exact', () => {
  it('matches the first implementation on random JSON-like values', () => {
    const tree = jsonLikeValue()
    fc.assert(
      fc.property(tree, (value) => {
        expect(canonicalJson(value)).toBe(reference(value))
      }),
      { numRuns: 2000, seed: 9 },
    )
  })

  it('writes a long array of small sorted objects through JSON.stringify', () => {
    const value = Array.from({ length: 50_000 }, (_, i) => ({ a: i, b: [i, 'x'] }))
    expect(canonicalJson(value)).toBe(JSON.stringify(value))
    expect(canonicalJson({ z: value, a: 1 })).toBe(`{"a":1,"z":${JSON.stringify(value)}}`)
  })
})
