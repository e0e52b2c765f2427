import { z } from 'zod'
import { sqlIdent } from './sql-text.ts'

export const AGGREGATE_FNS = [
  'count',
  'count_distinct',
  'sum',
  'mean',
  'min',
  'max',
  'std',
  'median',
] as const

export const aggregate = z.strictObject({
  fn: z.enum(AGGREGATE_FNS).describe('count, count_distinct, sum, mean, min, max, std or median'),
  column: z.string().min(1).max(256).optional().describe('Omit for count of rows'),
  as: z.string().min(1).max(256).optional().describe('Output column name (default: fn_column)'),
})
export type Aggregate = z.infer<typeof aggregate>

const SQL_FN: Record<Aggregate['fn'], (col: string) => string> = {
  count: (c) => `count(${c})`,
  count_distinct: (c) => `count(DISTINCT ${c})`,
  sum: (c) => `sum(${c})`,
  mean: (c) => `avg(${c})`,
  min: (c) => `min(${c})`,
  max: (c) => `max(${c})`,
  std: (c) => `stddev_samp(${c})`,
  median: (c) => `quantile_cont(${c}, 0.5)`,
}

/** `fn(column) AS name` with quoted identifiers; count without a column counts rows. */
export function aggregateSql(a: Aggregate): string {
  const column = a.column === undefined ? '*' : sqlIdent(a.column)
  if (a.column === undefined && a.fn !== 'count') {
    throw new Error(`${a.fn} needs a column`)
  }
  const name = a.as ?? (a.column === undefined ? a.fn : `${a.fn}_${a.column}`)
  return `${SQL_FN[a.fn](column)} AS ${sqlIdent(name)}`
}

/** A time bucket width such as "15 minutes" or "1 day" (validated: it is spliced into SQL). */
export const interval = z
  .string()
  .regex(
    /^\d{1,6} (second|minute|hour|day|week|month|year)s?$/,
    'a count and a unit, e.g. "15 minutes", "1 hour", "1 day"',
  )
  .describe('Bucket width: a count and a unit, e.g. "15 minutes", "1 hour", "1 day"')

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/

export const isNumericType = (type: string): boolean => NUMERIC.test(type)
