import { describe, expect, it } from 'vitest'
import { McppError } from '../errors.ts'
import { chunkCharacters, chunkTokens, chunkWords, windowCount, windows } from './chunk.ts'
import { MAX_CHUNKED_CHARS, MAX_CHUNKS } from './limits.ts'

const codeOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    return err instanceof McppError ? err.code : 'other'
  }
  return 'none'
}

describe('windows', () => {
  it('counts its windows without making them, for every size and overlap', () => {
    for (let count = 0; count < 40; count++) {
      for (let size = 1; size < 12; size++) {
        for (let overlap = 0; overlap < size; overlap++) {
          expect(windowCount(count, size, overlap)).toBe(windows(count, size, overlap).length)
        }
      }
    }
  })

  it('covers every unit and ends at the last one', () => {
    expect(windows(10, 4, 1)).toEqual([
      [0, 4],
      [3, 7],
      [6, 10],
    ])
  })

  it(`refuses more than ${MAX_CHUNKS} chunks before making any`, () => {
    expect(codeOf(() => windows(1_000_000, 1, 0))).toBe('INVALID_PARAMS')
    expect(windows(MAX_CHUNKS, 1, 0)).toHaveLength(MAX_CHUNKS)
  })
})

describe('chunking', () => {
  it('keeps surrogate pairs whole and words with their spacing', () => {
    expect(chunkCharacters('a😀b', 2, 0).map((c) => c.text)).toEqual(['a😀', 'b'])
    expect(chunkWords('one  two three', 2, 1).map((c) => c.text)).toEqual(['one  two', 'two three'])
  })

  it(`refuses chunks that would repeat more than ${MAX_CHUNKED_CHARS} characters`, () => {
    const text = 'x'.repeat(MAX_CHUNKED_CHARS)
    // 999 chunks (under MAX_CHUNKS), but the overlap repeats half of them again.
    expect(codeOf(() => chunkCharacters(text, 1000, 500))).toBe('INVALID_PARAMS')
    expect(chunkCharacters(text, 500, 0)).toHaveLength(MAX_CHUNKED_CHARS / 500)
    const tokens = Array.from({ length: 1000 }, (_, i) => i)
    expect(codeOf(() => chunkTokens(tokens, (t) => 'y'.repeat(t.length * 1000), 2, 1))).toBe('INVALID_PARAMS')
  })
})
