import fc from 'fast-check'
import { Tiktoken } from 'js-tiktoken/lite'
import { describe, expect, it } from 'vitest'
import { BpeTokenizer, toBinary } from './bpe.ts'
import { loadTokenizer, TOKEN_ENCODINGS } from './tokenizer.ts'

const tables = {
  cl100k_base: async () => (await import('js-tiktoken/ranks/cl100k_base')).default,
  o200k_base: async () => (await import('js-tiktoken/ranks/o200k_base')).default,
}

describe.each(TOKEN_ENCODINGS)('BpeTokenizer (%s)', (encoding) => {
  it('gives the same tokens as js-tiktoken and decodes them back', async () => {
    const ours = await loadTokenizer(encoding)
    const reference = new Tiktoken(await tables[encoding]())
    const text = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.stringMatching(/^[a-z ]{0,80}$/),
      fc.constantFrom(
        "It's we'll they've 12345 1,000,000.5",
        '  spaces\n\n\tand\r\nlines  ',
        '中文 テキスト 🎉🎉',
      ),
    )
    fc.assert(
      fc.property(text, (t) => {
        const tokens = ours.encode(t)
        expect(tokens).toEqual(reference.encode(t, [], []))
        expect(ours.decode(tokens)).toBe(t)
      }),
      { numRuns: 300, seed: 9 },
    )
  }, 60_000)

  it('encodes a 200,000-letter word, which a quadratic merge cannot finish', async () => {
    const ours = await loadTokenizer(encoding)
    const word = 'ab'.repeat(100_000)
    const tokens = ours.encode(word)
    expect(ours.decode(tokens)).toBe(word)
    expect(tokens.length).toBeLessThanOrEqual(word.length / 2)
  })
})

describe('toBinary', () => {
  it('is the UTF-8 bytes, one char per byte', () => {
    expect(toBinary('ab')).toBe('ab')
    expect([...toBinary('é€')].map((c) => c.charCodeAt(0))).toEqual([0xc3, 0xa9, 0xe2, 0x82, 0xac])
  })
})

describe('special tokens', () => {
  it('are counted as the ordinary text they are', async () => {
    const ours = new BpeTokenizer(await tables.cl100k_base())
    const tokens = ours.encode('<|endoftext|>')
    expect(tokens.length).toBeGreaterThan(1)
    expect(ours.decode(tokens)).toBe('<|endoftext|>')
  })
})
