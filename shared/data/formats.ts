import { sqlString } from './sql-text.ts'

export const DATA_FORMATS = ['csv', 'json', 'jsonl', 'parquet'] as const
export type DataFormat = (typeof DATA_FORMATS)[number]

const BY_EXTENSION: Record<string, DataFormat> = {
  csv: 'csv',
  tsv: 'csv',
  json: 'json',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  parquet: 'parquet',
  pq: 'parquet',
}

export function formatFromPath(path: string): DataFormat | undefined {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase()
  return ext === undefined ? undefined : BY_EXTENSION[ext]
}

/**
 * A tabular format from a file's first bytes: Parquet's magic, a JSON array, JSON
 * objects one per line, or else delimited text. Undefined for bytes that are not text.
 */
export function sniffFormat(head: Uint8Array): DataFormat | undefined {
  if (head.length >= 4 && String.fromCharCode(...head.subarray(0, 4)) === 'PAR1') return 'parquet'
  // Control bytes other than tab, LF, VT, FF and CR mean binary.
  if (head.some((b) => b < 9 || (b > 13 && b < 32))) return undefined
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(trimPartialUtf8(head))
  } catch {
    return undefined
  }
  const start = text.replace(/^\uFEFF/, '').trimStart()
  if (start.startsWith('[')) return 'json'
  if (start.startsWith('{')) {
    // JSON Lines when the first line is a whole object on its own.
    const first = start.split('\n', 1)[0] as string
    try {
      JSON.parse(first)
      return 'jsonl'
    } catch {
      return 'json'
    }
  }
  return start.length > 0 ? 'csv' : undefined
}

/**
 * Whether text looks like delimited rows: the first lines share a delimiter
 * (comma, semicolon, tab or pipe) that occurs the same, non-zero number of times.
 */
export function looksDelimited(text: string): boolean {
  const lines = text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(0, 5)
  if (lines.length === 0) return false
  // A sample may end mid-line: judge complete lines when there are several.
  const judged = lines.length > 2 ? lines.slice(0, -1) : lines
  return [',', ';', '\t', '|'].some((d) => {
    const counts = judged.map((l) => l.split(d).length - 1)
    return (counts[0] as number) > 0 && counts.every((c) => c === counts[0])
  })
}

/** Drops a multi-byte character cut off at the end of a sample. */
function trimPartialUtf8(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back] as number
    if ((b & 0xc0) === 0x80) continue
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
    return need > back ? bytes.subarray(0, bytes.length - back) : bytes
  }
  return bytes
}

export interface CsvOptions {
  delimiter?: string | undefined
  header?: boolean | undefined
}

/** The DuckDB table function that reads `path` as `format`. */
export function readerSql(path: string, format: DataFormat, csv: CsvOptions = {}): string {
  const p = sqlString(path)
  switch (format) {
    case 'csv': {
      const opts = [
        csv.header === undefined ? '' : `header = ${csv.header}`,
        csv.delimiter === undefined ? '' : `delim = ${sqlString(csv.delimiter)}`,
      ].filter(Boolean)
      return `read_csv(${[p, ...opts].join(', ')})`
    }
    case 'json':
      return `read_json(${p}, format = 'auto')`
    case 'jsonl':
      return `read_json(${p}, format = 'newline_delimited')`
    case 'parquet':
      return `read_parquet(${p})`
  }
}

/** COPY of a query's rows to `path` in `format`. */
export function copySql(query: string, path: string, format: DataFormat): string {
  const options = {
    csv: 'FORMAT csv, HEADER true',
    json: 'FORMAT json, ARRAY true',
    jsonl: 'FORMAT json',
    parquet: 'FORMAT parquet',
  }[format]
  return `COPY (${query}) TO ${sqlString(path)} (${options})`
}
