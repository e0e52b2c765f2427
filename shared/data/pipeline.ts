import { z } from 'zod'
import { freeForm } from '../tool/free-form.ts'
import { wrapExpression } from './sql-expression.ts'
import { sqlIdent } from './sql-text.ts'

const column = z.string().min(1).max(256)
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()])

export const FILTER_OPS = [
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'in',
  'not_in',
  'contains',
  'starts_with',
  'is_null',
  'not_null',
] as const

/** One step of a declarative pipeline; each takes the previous step's rows. */
export const pipelineStep = z.union([
  z.strictObject({
    filter: z
      .strictObject({
        column: column.describe('The column compared'),
        op: z
          .enum(FILTER_OPS)
          .describe('eq, ne, lt, le, gt, ge, in, not_in, contains, starts_with, is_null, not_null'),
        value: z
          .union([scalar, z.array(scalar).max(10_000)])
          .optional()
          .describe(
            'What the column is compared with (a list for in and not_in; none for is_null, not_null)',
          ),
      })
      .describe('Keep the rows whose column matches'),
  }),
  z.strictObject({
    select: z.array(column).min(1).max(1_000).describe('Keep only these columns, in this order'),
  }),
  z.strictObject({
    rename: freeForm(z.record(column, column), 'Old column name → new column name'),
  }),
  z.strictObject({
    sort: z
      .array(
        z.strictObject({
          column: column.describe('The column sorted on'),
          descending: z.boolean().default(false).describe('Largest first'),
        }),
      )
      .min(1)
      .max(32)
      .describe('Sort keys, most significant first'),
  }),
  z.strictObject({
    dedupe: z
      .strictObject({
        columns: z.array(column).min(1).max(256).optional().describe('Key columns (default: whole rows)'),
      })
      .describe('Keep one row of each group of duplicates'),
  }),
  z.strictObject({ limit: z.number().int().min(0).max(100_000_000).describe('Keep the first rows only') }),
  z.strictObject({
    derive: z
      .strictObject({
        column: column.describe('The new column'),
        sql: z
          .string()
          .min(1)
          .max(4_000)
          .describe('One SQL expression over the columns, e.g. "price * qty" (no subqueries)'),
      })
      .describe('Add a column computed from the others'),
  }),
])
export type PipelineStep = z.infer<typeof pipelineStep>

const COMPARE = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' } as const

export interface CompiledQuery {
  sql: string
  params: unknown[]
  /** Caller-written SQL in the query, by parameter path; each must pass the expression check. */
  expressions: Array<{ param: string; text: string }>
}

/**
 * Compiles a pipeline over `source` (a table) into one SQL query. Column names are
 * quoted and values travel as parameters; only `derive` carries SQL text, listed in
 * `expressions` for the caller to check with DuckDB's parser (relay/datasets) before
 * running anything, as well as that the whole result is a single read-only query.
 */
export function compilePipeline(source: string, steps: readonly PipelineStep[]): CompiledQuery {
  const params: unknown[] = []
  const expressions: CompiledQuery['expressions'] = []
  const param = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  let sql = `SELECT * FROM ${sqlIdent(source)}`
  steps.forEach((step, i) => {
    const from = `(${sql}) AS s${i}`
    if ('filter' in step) {
      const { column: c, op, value } = step.filter
      const col = sqlIdent(c)
      let where: string
      if (op === 'is_null') where = `${col} IS NULL`
      else if (op === 'not_null') where = `${col} IS NOT NULL`
      else if (op === 'in' || op === 'not_in') {
        const list = Array.isArray(value) ? value : [value]
        const inList = list.length === 0 ? 'NULL' : list.map(param).join(', ')
        where = `${col} ${op === 'in' ? 'IN' : 'NOT IN'} (${inList})`
      } else if (op === 'contains') where = `contains(CAST(${col} AS VARCHAR), ${param(String(value))})`
      else if (op === 'starts_with') where = `starts_with(CAST(${col} AS VARCHAR), ${param(String(value))})`
      else where = `${col} ${COMPARE[op]} ${param(value)}`
      sql = `SELECT * FROM ${from} WHERE ${where}`
    } else if ('select' in step) {
      sql = `SELECT ${step.select.map(sqlIdent).join(', ')} FROM ${from}`
    } else if ('rename' in step) {
      const renames = Object.entries(step.rename)
      sql = `SELECT * RENAME (${renames.map(([a, b]) => `${sqlIdent(a)} AS ${sqlIdent(b)}`).join(', ')}) FROM ${from}`
    } else if ('sort' in step) {
      const keys = step.sort.map((k) => `${sqlIdent(k.column)} ${k.descending ? 'DESC' : 'ASC'}`)
      sql = `SELECT * FROM ${from} ORDER BY ${keys.join(', ')}`
    } else if ('dedupe' in step) {
      const cols = step.dedupe.columns
      sql = cols
        ? `SELECT DISTINCT ON (${cols.map(sqlIdent).join(', ')}) * FROM ${from}`
        : `SELECT DISTINCT * FROM ${from}`
    } else if ('limit' in step) {
      sql = `SELECT * FROM ${from} LIMIT ${step.limit}`
    } else {
      expressions.push({ param: `steps[${i}].derive.sql`, text: step.derive.sql })
      sql = `SELECT *, ${wrapExpression(step.derive.sql)} AS ${sqlIdent(step.derive.column)} FROM ${from}`
    }
  })
  return { sql, params, expressions }
}
