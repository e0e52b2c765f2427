import { describe, expect, it } from 'vitest'
import { copySql, formatFromPath, looksDelimited, readerSql, sniffFormat } from './formats.ts'

const bytes = (s: string) => new TextEncoder().encode(s)

describe('data formats', () => {
  it('knows formats by extension', () => {
    expect(formatFromPath('a/b.CSV')).toBe('csv')
    expect(formatFromPath('x.ndjson')).toBe('jsonl')
    expect(formatFromPath('x.parquet')).toBe('parquet')
    expect(formatFromPath('x.txt')).toBeUndefined()
  })

  it('sniffs formats from the first bytes', () => {
    expect(sniffFormat(bytes('PAR1\u0000\u0015'))).toBe('parquet')
    expect(sniffFormat(bytes('  [{"a":1}]'))).toBe('json')
    expect(sniffFormat(bytes('{"a":1}\n{"a":2}\n'))).toBe('jsonl')
    expect(sniffFormat(bytes('{"a":1}'))).toBe('jsonl')
    expect(sniffFormat(bytes('{"a":\n 1}'))).toBe('json')
    expect(sniffFormat(bytes('a,b\n1,2\n'))).toBe('csv')
    expect(sniffFormat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBeUndefined()
    // A sample that ends inside a multi-byte character is still text.
    expect(sniffFormat(bytes('name\nZoë').subarray(0, 8))).toBe('csv')
  })

  it('builds reader and writer SQL with quoted paths', () => {
    expect(readerSql("/d/it's.csv", 'csv', { delimiter: ';' })).toBe("read_csv('/d/it''s.csv', delim = ';')")
    expect(readerSql('/d/a.jsonl', 'jsonl')).toBe("read_json('/d/a.jsonl', format = 'newline_delimited')")
    expect(copySql('SELECT 1', '/d/o.json', 'json')).toBe(
      "COPY (SELECT 1) TO '/d/o.json' (FORMAT json, ARRAY true)",
    )
  })

  it('tells delimited rows from prose', () => {
    expect(looksDelimited('a,b,c\n1,2,3\n4,5,6\n')).toBe(true)
    expect(looksDelimited('a;b\n1;2')).toBe(true)
    expect(looksDelimited('Dear reader, hello.\nThis is a letter\n')).toBe(false)
    expect(looksDelimited('')).toBe(false)
  })
})
