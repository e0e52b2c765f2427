/**
 * Rows as CSV by RFC 4180: CRLF line ends, a field quoted when it holds a comma, a
 * quote, CR or LF (or starts/ends with a space, which some readers trim), quotes
 * doubled. Hand-written: no CSV writer is a dependency, and DuckDB's COPY writes only
 * to files. Null and missing cells are empty; objects and arrays are JSON.
 */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const lines = [columns.map(csvField).join(',')]
  for (const row of rows) lines.push(columns.map((c) => csvField(cellText(row[c]))).join(','))
  return `${lines.join('\r\n')}\r\n`
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value)
  return JSON.stringify(value)
}

function csvField(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}
