import { describe, expect, it } from 'vitest'
import { toCsv } from './csv.ts'

describe('toCsv', () => {
  it('quotes fields with commas, quotes and line breaks and doubles inner quotes', () => {
    const csv = toCsv(
      ['a', 'b'],
      [
        { a: 'x,y', b: 'say "hi"' },
        { a: 'two\nlines', b: 3 },
      ],
    )
    expect(csv).toBe('a,b\r\n"x,y","say ""hi"""\r\n"two\nlines",3\r\n')
  })

  it('writes null and missing cells empty and nested values as JSON', () => {
    expect(toCsv(['a', 'b', 'c'], [{ a: null, c: { k: 1 } }])).toBe('a,b,c\r\n,,"{""k"":1}"\r\n')
  })
})
