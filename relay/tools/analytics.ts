/** The `analytics` category: statistics over datasets, computed by DuckDB. */
import { z } from 'zod'
import {
  type Aggregate,
  aggregate,
  aggregateSql,
  interval,
  isNumericType,
} from '../../shared/data/aggregates.ts'
import { sqlIdent } from '../../shared/data/sql-text.ts'
import { McppError } from '../../shared/errors.ts'
import { defineTool } from '../../shared/tool/define-tool.ts'
import type { ToolCategory } from '../../shared/tool/types.ts'
import { type Datasets, pickColumns } from '../datasets/datasets.ts'
import type { Column, SqlCall } from '../datasets/duck-engine.ts'
import { datasetName, READS, rowLimit, rows } from './dataset/schemas.ts'
import type { ToolDeps } from './tool-deps.ts'

export const ANALYTICS_CATEGORY = {
  name: 'analytics',
  description:
    'Statistics over datasets: describe (count, mean, std, quantiles, nulls), group-by aggregates, histograms, correlation, time-series resampling',
}

const columnList = z.array(z.string().min(1).max(256)).min(1).max(256)

/** The dataset's columns, checking that the named ones exist (naming the parameter if not). */
async function columnsOf(
  datasets: Datasets,
  call: SqlCall,
  name: string,
  wanted?: readonly string[],
  param = 'columns',
) {
  return pickColumns(await datasets.info(name, call), wanted, param)
}

/** `fn(column) AS name` for each aggregate; one without a needed column is INVALID_PARAMS. */
function aggregateSelects(aggregates: readonly Aggregate[]): string[] {
  try {
    return aggregates.map(aggregateSql)
  } catch (err) {
    throw new McppError('INVALID_PARAMS', `aggregates: ${(err as Error).message}`, {
      problems: [{ param: 'aggregates', problem: (err as Error).message }],
    })
  }
}

const columnStats = z.object({
  column: z.string(),
  type: z.string(),
  count: z.number().int().describe('Non-null values'),
  nulls: z.number().int(),
  distinct: z.number().int(),
  mean: z.number().nullable().optional(),
  std: z.number().nullable().optional(),
  min: z.unknown(),
  q25: z.number().nullable().optional(),
  median: z.number().nullable().optional(),
  q75: z.number().nullable().optional(),
  max: z.unknown(),
})

export type AnalyticsToolDeps = Pick<ToolDeps, 'datasets'>

export function analyticsTools({ datasets }: AnalyticsToolDeps): ToolCategory {
  const { engine } = datasets

  const describe = defineTool({
    name: 'analytics_describe',
    category: 'analytics',
    description:
      'Summary statistics per column: count, nulls, distinct, min, max, and for numbers mean, std and quartiles',
    input: z.object({
      name: datasetName,
      columns: columnList.optional().describe('Columns described (default: all)'),
    }),
    output: z.object({ rows: z.number().int(), columns: z.array(columnStats) }),
    example: { name: 'sales', columns: ['qty', 'price'] },
    annotations: { title: 'Describe a dataset', ...READS },
    handlers: {
      local: async ({ name, columns }, ctx) => {
        const cols = await columnsOf(datasets, ctx, name, columns)
        const parts = cols.flatMap((c, i) => {
          const q = sqlIdent(c.name)
          const base = [
            `count(${q}) AS c${i}_count`,
            `count(*) - count(${q}) AS c${i}_nulls`,
            `count(DISTINCT ${q}) AS c${i}_distinct`,
            `min(${q}) AS c${i}_min`,
            `max(${q}) AS c${i}_max`,
          ]
          if (!isNumericType(c.type)) return base
          return [
            ...base,
            `avg(${q}) AS c${i}_mean`,
            `stddev_samp(${q}) AS c${i}_std`,
            `quantile_cont(${q}, 0.25) AS c${i}_q25`,
            `quantile_cont(${q}, 0.5) AS c${i}_median`,
            `quantile_cont(${q}, 0.75) AS c${i}_q75`,
          ]
        })
        const { rows: out } = await engine.read(
          `SELECT count(*) AS total, ${parts.join(', ')} FROM ${sqlIdent(name)}`,
          [],
          ctx,
        )
        const r = out[0] as Record<string, unknown>
        const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))
        return {
          rows: Number(r.total),
          columns: cols.map((c, i) => ({
            column: c.name,
            type: c.type,
            count: Number(r[`c${i}_count`]),
            nulls: Number(r[`c${i}_nulls`]),
            distinct: Number(r[`c${i}_distinct`]),
            min: r[`c${i}_min`],
            max: r[`c${i}_max`],
            ...(isNumericType(c.type)
              ? {
                  mean: num(r[`c${i}_mean`]),
                  std: num(r[`c${i}_std`]),
                  q25: num(r[`c${i}_q25`]),
                  median: num(r[`c${i}_median`]),
                  q75: num(r[`c${i}_q75`]),
                }
              : {}),
          })),
        }
      },
    },
  })

  const groupBy = defineTool({
    name: 'analytics_group_by',
    category: 'analytics',
    description:
      'Group rows by columns and compute aggregates (count, count_distinct, sum, mean, min, max, std, median)',
    input: z.object({
      name: datasetName,
      by: columnList.describe('Columns whose values form the groups'),
      aggregates: z.array(aggregate).min(1).max(64).describe('What to compute per group'),
      orderBy: z.string().min(1).max(256).optional().describe('An output column to sort by (descending)'),
      limit: rowLimit.default(1_000).describe('Groups returned at most'),
    }),
    output: z.object({ rows }),
    example: {
      name: 'sales',
      by: ['city'],
      aggregates: [{ fn: 'count' }, { fn: 'mean', column: 'price' }],
      orderBy: 'count',
    },
    annotations: { title: 'Group-by aggregates', ...READS },
    handlers: {
      local: async (input, ctx) => {
        const aggregated = input.aggregates.flatMap((a) => (a.column === undefined ? [] : [a.column]))
        await columnsOf(datasets, ctx, input.name, [...input.by, ...aggregated])
        const selects = aggregateSelects(input.aggregates)
        const keys = input.by.map(sqlIdent).join(', ')
        const order = input.orderBy === undefined ? keys : `${sqlIdent(input.orderBy)} DESC, ${keys}`
        const { rows: out } = await engine.read(
          `SELECT ${keys}, ${selects.join(', ')} FROM ${sqlIdent(input.name)} GROUP BY ${keys} ORDER BY ${order} LIMIT ${input.limit}`,
          [],
          ctx,
        )
        return { rows: out }
      },
    },
  })

  const histogram = defineTool({
    name: 'analytics_histogram',
    category: 'analytics',
    description:
      'Histogram of a numeric column: equal-width bins between min and max (or given bounds), with counts',
    input: z.object({
      name: datasetName,
      column: z.string().min(1).max(256).describe('A numeric column'),
      bins: z.number().int().min(1).max(1_000).default(10).describe('Number of equal-width bins'),
      min: z.number().optional().describe('Lower bound of the first bin (default: the smallest value)'),
      max: z.number().optional().describe('Upper bound of the last bin (default: the largest value)'),
    }),
    output: z.object({
      bins: z.array(z.object({ from: z.number(), to: z.number(), count: z.number().int() })),
      nulls: z.number().int(),
      outside: z.number().int().describe('Values outside [min, max]'),
    }),
    example: { name: 'sales', column: 'price', bins: 20 },
    annotations: { title: 'Histogram', ...READS },
    handlers: {
      local: async (input, ctx) => {
        const [col] = await columnsOf(datasets, ctx, input.name, [input.column], 'column')
        if (!isNumericType((col as Column).type)) {
          throw new McppError(
            'INVALID_PARAMS',
            `column: "${input.column}" is ${(col as Column).type}, not numeric`,
            {
              problems: [{ param: 'column', problem: 'not numeric' }],
            },
          )
        }
        const q = sqlIdent(input.column)
        const t = sqlIdent(input.name)
        const range = await engine.read(
          `SELECT min(${q})::DOUBLE AS lo, max(${q})::DOUBLE AS hi, count(*) - count(${q}) AS nulls FROM ${t}`,
          [],
          ctx,
        )
        const r = range.rows[0] as { lo: number | null; hi: number | null; nulls: number }
        const lo = input.min ?? r.lo
        const hi = input.max ?? r.hi
        if (lo === null || hi === null) return { bins: [], nulls: Number(r.nulls), outside: 0 }
        const width = hi > lo ? (hi - lo) / input.bins : 1
        const { rows: counts } = await engine.read(
          `SELECT least(CAST(floor((${q} - $1) / $2) AS BIGINT), ${input.bins - 1}) AS b, count(*) AS n
           FROM ${t} WHERE ${q} >= $1 AND ${q} <= $3 GROUP BY b`,
          [lo, width, hi],
          ctx,
        )
        const byBin = new Map(counts.map((c) => [Number(c.b), Number(c.n)]))
        const bins = Array.from({ length: input.bins }, (_, i) => ({
          from: lo + i * width,
          to: i === input.bins - 1 ? hi : lo + (i + 1) * width,
          count: byBin.get(i) ?? 0,
        }))
        const { rows: all } = await engine.read(`SELECT count(${q}) AS n FROM ${t}`, [], ctx)
        const inside = bins.reduce((s, b) => s + b.count, 0)
        return { bins, nulls: Number(r.nulls), outside: Number(all[0]?.n) - inside }
      },
    },
  })

  const correlation = defineTool({
    name: 'analytics_correlation',
    category: 'analytics',
    description: 'Pearson correlation matrix of numeric columns (all numeric columns by default)',
    input: z.object({
      name: datasetName,
      columns: columnList.optional().describe('Numeric columns (default: all numeric columns)'),
    }),
    output: z.object({ columns: z.array(z.string()), matrix: z.array(z.array(z.number().nullable())) }),
    example: { name: 'sales', columns: ['qty', 'price'] },
    annotations: { title: 'Correlation matrix', ...READS },
    handlers: {
      local: async ({ name, columns }, ctx) => {
        const cols = (await columnsOf(datasets, ctx, name, columns)).filter((c) => isNumericType(c.type))
        if (columns && cols.length !== columns.length) {
          throw new McppError('INVALID_PARAMS', 'columns: every column must be numeric', {
            problems: [{ param: 'columns', problem: 'not numeric' }],
          })
        }
        const pairs: string[] = []
        cols.forEach((a, i) => {
          cols.forEach((b, j) => {
            if (j > i) pairs.push(`corr(${sqlIdent(a.name)}, ${sqlIdent(b.name)}) AS p${i}_${j}`)
          })
        })
        const r = pairs.length
          ? ((await engine.read(`SELECT ${pairs.join(', ')} FROM ${sqlIdent(name)}`, [], ctx))
              .rows[0] as Record<string, number | null>)
          : {}
        const at = (i: number, j: number) => {
          if (i === j) return 1
          const v = r[i < j ? `p${i}_${j}` : `p${j}_${i}`]
          return v === null || v === undefined || Number.isNaN(v) ? null : v
        }
        return { columns: cols.map((c) => c.name), matrix: cols.map((_, i) => cols.map((_, j) => at(i, j))) }
      },
    },
  })

  const resample = defineTool({
    name: 'analytics_resample',
    category: 'analytics',
    description:
      'Resample a time series: bucket rows by a time column into fixed intervals ("15 minutes", "1 day") and aggregate each bucket',
    input: z.object({
      name: datasetName,
      timeColumn: z.string().min(1).max(256).describe('A timestamp or date column'),
      interval,
      aggregates: z.array(aggregate).min(1).max(64).describe('What to compute per bucket'),
      fillEmpty: z
        .boolean()
        .default(false)
        .describe('Include empty buckets between the first and last (counts 0, others null)'),
      limit: rowLimit.default(10_000).describe('Buckets returned at most'),
    }),
    output: z.object({ rows }),
    example: {
      name: 'readings',
      timeColumn: 'time',
      interval: '1 hour',
      aggregates: [{ fn: 'mean', column: 'temperature' }],
      fillEmpty: true,
    },
    annotations: { title: 'Resample a time series', ...READS },
    handlers: {
      local: async (input, ctx) => {
        const aggregated = input.aggregates.flatMap((a) => (a.column === undefined ? [] : [a.column]))
        await columnsOf(datasets, ctx, input.name, [input.timeColumn, ...aggregated])
        const t = sqlIdent(input.timeColumn)
        // The width travels as a parameter like every other value (the schema checks it too).
        const every = 'CAST($1 AS INTERVAL)'
        const bucketed = `SELECT time_bucket(${every}, CAST(${t} AS TIMESTAMP)) AS bucket, ${aggregateSelects(
          input.aggregates,
        ).join(', ')} FROM ${sqlIdent(input.name)} WHERE ${t} IS NOT NULL GROUP BY bucket`
        const sql = input.fillEmpty
          ? `WITH b AS (${bucketed}), span AS (SELECT range AS bucket FROM range((SELECT min(bucket) FROM b), (SELECT max(bucket) FROM b) + ${every}, ${every}))
             SELECT span.bucket, b.* EXCLUDE (bucket) FROM span LEFT JOIN b USING (bucket) ORDER BY span.bucket`
          : `${bucketed} ORDER BY bucket`
        const { rows: out } = await engine.read(
          `SELECT * FROM (${sql}) LIMIT ${input.limit}`,
          [input.interval],
          ctx,
        )
        if (input.fillEmpty) {
          const counts = input.aggregates.filter((a) => a.fn === 'count' || a.fn === 'count_distinct')
          for (const row of out) {
            for (const a of counts) {
              const key = a.as ?? (a.column === undefined ? a.fn : `${a.fn}_${a.column}`)
              row[key] ??= 0
            }
          }
        }
        return { rows: out }
      },
    },
  })

  return { info: ANALYTICS_CATEGORY, tools: [describe, groupBy, histogram, correlation, resample] }
}
