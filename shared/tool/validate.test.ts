import { describe, expect, it } from 'vitest'
import { valueDeeperThan as depthExceeds } from '../json-depth.ts'
import { assertParamsDepth, MAX_PARAMS_DEPTH } from './validate.ts'

function nested(depth: number): unknown {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value]
  return value
}

describe('valueDeeperThan on params', () => {
  it('counts objects and arrays, not primitives', () => {
    expect(depthExceeds(1, 0)).toBe(false)
    expect(depthExceeds({}, 0)).toBe(true)
    expect(depthExceeds({ a: [1, { b: 'x' }] }, 3)).toBe(false)
    expect(depthExceeds({ a: [1, { b: 'x' }] }, 2)).toBe(true)
  })

  it('finds the deep branch beside shallow ones', () => {
    expect(depthExceeds({ wide: Array.from({ length: 1000 }, () => ({})), deep: nested(10) }, 10)).toBe(true)
  })

  it('handles a million levels without recursion', () => {
    expect(depthExceeds(nested(1_000_000), MAX_PARAMS_DEPTH)).toBe(true)
  })
})

describe('assertParamsDepth', () => {
  it('accepts the limit and refuses one level more with INVALID_PARAMS', () => {
    expect(() => assertParamsDepth(nested(MAX_PARAMS_DEPTH))).not.toThrow()
    expect(() => assertParamsDepth(nested(MAX_PARAMS_DEPTH + 1))).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMS' }),
    )
  })
})
