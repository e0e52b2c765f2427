/** DuckDB's results and errors as the relay's: plain rows, and tool errors with codes. */
import type { DuckDBResultReader } from '@duckdb/node-api'
import { McppError } from '../../shared/errors.ts'
import { isStorageFull, storageFullError } from '../storage/storage-full.ts'

export type Row = Record<string, unknown>
export interface Column {
  name: string
  type: string
}
export interface ReadResult {
  columns: Column[]
  rows: Row[]
}

const INTEGER_TYPES = new Set(['BIGINT', 'UBIGINT', 'HUGEINT', 'UHUGEINT'])

/** Rows as JSON-ready objects, column names and types. */
export function toResult(result: DuckDBResultReader): ReadResult {
  const names = result.deduplicatedColumnNames()
  const types = result.columnTypes().map((t) => t.toString())
  const rows = result.getRowObjectsJson() as Row[]
  const integers = names.filter((_, i) => INTEGER_TYPES.has(types[i] as string))
  // BIGINT arrives as a string in JSON form; a safe integer becomes a number again.
  if (integers.length > 0) {
    for (const row of rows) {
      for (const name of integers) {
        const value = row[name]
        if (typeof value === 'string' && Number.isSafeInteger(Number(value))) row[name] = Number(value)
      }
    }
  }
  return { columns: names.map((name, i) => ({ name, type: types[i] as string })), rows }
}

/** DuckDB's errors, as tool errors: parse and binder errors name the SQL, I/O errors the data. */
export function engineError(err: unknown): unknown {
  if (err instanceof McppError || !(err instanceof Error)) return err
  // "Could not write file …: No space left on device" is an IO Error, but not bad data.
  if (isStorageFull(err)) return storageFullError('datasets', err)
  const message = (err.message.split('\n')[0] ?? err.message).replace(/^Failed to extract statements: /, '')
  const kind = /^([A-Za-z ]+?) Error:/.exec(message)?.[1] ?? ''
  // The memory and spill limits are the engine's; the statement may fit another time.
  if (kind === 'Out of Memory') return new McppError('QUOTA_EXCEEDED', message, { engine: 'duckdb' })
  const code = ['Parser', 'Binder', 'Catalog', 'Conversion', 'Invalid Input', 'Not implemented'].includes(
    kind,
  )
    ? 'INVALID_PARAMS'
    : kind === 'Permission'
      ? 'FORBIDDEN'
      : ['IO', 'Invalid', 'Serialization'].includes(kind)
        ? 'BAD_DATA'
        : 'INTERNAL'
  return new McppError(code, message, { engine: 'duckdb' })
}
