import { z } from 'zod'
import { compilePipeline, pipelineStep } from '../../../shared/data/pipeline.ts'
import { bareQuery, sqlIdent } from '../../../shared/data/sql-text.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import type { Datasets } from '../../datasets/datasets.ts'
import { column, datasetInfo, datasetName, READS, rowLimit, rows, WRITES } from './schemas.ts'

const PREVIEW = 5

export function datasetRowTools(datasets: Datasets) {
  const { engine } = datasets

  const head = defineTool({
    name: 'dataset_head',
    category: 'dataset',
    description: 'The first rows of a dataset (in stored order)',
    input: z.object({ name: datasetName, n: rowLimit.default(10).describe('Rows returned') }),
    output: z.object({ columns: z.array(column), rows }),
    example: { name: 'sales', n: 5 },
    annotations: { title: 'First rows', ...READS },
    handlers: {
      local: async ({ name, n }, ctx) => {
        await datasets.require(name, 'name', ctx)
        return engine.read(`SELECT * FROM ${sqlIdent(name)} LIMIT ${n}`, [], ctx)
      },
    },
  })

  const sample = defineTool({
    name: 'dataset_sample',
    category: 'dataset',
    description: 'A random sample of rows; the same seed gives the same sample',
    input: z.object({
      name: datasetName,
      n: rowLimit.default(10).describe('Rows sampled'),
      seed: z.number().int().min(0).default(42).describe('The same seed gives the same sample'),
    }),
    output: z.object({ columns: z.array(column), rows }),
    example: { name: 'sales', n: 100, seed: 7 },
    annotations: { title: 'Random sample', ...READS },
    handlers: {
      local: async ({ name, n, seed }, ctx) => {
        await datasets.require(name, 'name', ctx)
        return engine.read(
          `SELECT * FROM ${sqlIdent(name)} USING SAMPLE reservoir(${n} ROWS) REPEATABLE (${seed})`,
          [],
          ctx,
        )
      },
    },
  })

  const query = defineTool({
    name: 'dataset_query',
    category: 'dataset',
    description:
      'Run one read-only SQL query (DuckDB dialect) over datasets, which are tables by name; optionally save the result as a dataset',
    input: z.object({
      sql: z
        .string()
        .min(1)
        .max(100_000)
        .describe('One SELECT/WITH query, e.g. SELECT city, avg(price) FROM sales GROUP BY city'),
      limit: rowLimit.default(1_000).describe('Rows returned inline at most'),
      saveAs: datasetName.optional().describe('Also store the full result as this dataset'),
      replace: z.boolean().default(false).describe('Replace an existing dataset named saveAs'),
    }),
    output: z.object({
      columns: z.array(column),
      rows,
      truncated: z.boolean().describe('More rows exist than were returned'),
      saved: datasetInfo.optional(),
    }),
    example: {
      sql: 'SELECT city, sum(qty * price) AS revenue FROM sales GROUP BY city ORDER BY revenue DESC',
      limit: 20,
    },
    annotations: { title: 'SQL query', ...WRITES },
    handlers: {
      local: async (input, ctx) => {
        await engine.assertQuery(input.sql, 'sql', ctx)
        const sql = bareQuery(input.sql)
        const saved = input.saveAs
          ? await datasets.create(input.saveAs, sql, { replace: input.replace, call: ctx })
          : undefined
        const source = input.saveAs ? `SELECT * FROM ${sqlIdent(input.saveAs)}` : sql
        const result = await engine.read(`SELECT * FROM (\n${source}\n) LIMIT ${input.limit + 1}`, [], ctx)
        const truncated = result.rows.length > input.limit
        return {
          columns: result.columns,
          rows: result.rows.slice(0, input.limit),
          truncated,
          ...(saved ? { saved } : {}),
        }
      },
    },
  })

  const process = defineTool({
    name: 'dataset_process',
    category: 'dataset',
    description:
      'Transform a dataset with a declarative pipeline (filter, select, rename, sort, dedupe, limit, derive a column) into a new dataset',
    input: z.object({
      name: datasetName,
      steps: z
        .array(pipelineStep)
        .min(1)
        .max(64)
        .describe(
          'Applied in order; each step is an object with one key: filter, select, rename, sort, dedupe, limit or derive',
        ),
      saveAs: datasetName.describe('The resulting dataset'),
      replace: z.boolean().default(false).describe('Replace an existing dataset named saveAs'),
    }),
    output: datasetInfo.extend({ preview: rows }),
    example: {
      name: 'sales',
      saveAs: 'big_orders',
      steps: [
        { filter: { column: 'qty', op: 'ge', value: 10 } },
        { derive: { column: 'total', sql: 'qty * price' } },
        { sort: [{ column: 'total', descending: true }] },
        { limit: 100 },
      ],
    },
    annotations: { title: 'Transform a dataset', ...WRITES, idempotentHint: true },
    handlers: {
      local: async ({ name, steps, saveAs, replace }, ctx) => {
        await datasets.require(name, 'name', ctx)
        const { sql, params, expressions } = compilePipeline(name, steps)
        for (const e of expressions) await engine.assertExpression(e.text, e.param, ctx)
        await engine.assertQuery(sql, 'steps', ctx)
        const info = await datasets.create(saveAs, sql, { params, replace, call: ctx })
        const preview = await engine.read(`SELECT * FROM ${sqlIdent(saveAs)} LIMIT ${PREVIEW}`, [], ctx)
        return { ...info, preview: preview.rows }
      },
    },
  })

  const split = defineTool({
    name: 'dataset_split',
    category: 'dataset',
    description:
      'Split a dataset into train and test datasets by a ratio; the same seed always gives the same split',
    input: z.object({
      name: datasetName,
      trainRatio: z
        .number()
        .gt(0)
        .lt(1)
        .default(0.8)
        .describe('Share of the rows that go to the train dataset'),
      seed: z.number().int().min(0).default(42).describe('The same seed gives the same split'),
      trainName: datasetName.optional().describe('Default: <name>_train'),
      testName: datasetName.optional().describe('Default: <name>_test'),
      replace: z.boolean().default(false).describe('Replace existing datasets of those names'),
    }),
    output: z.object({ train: datasetInfo, test: datasetInfo }),
    example: { name: 'sales', trainRatio: 0.8, seed: 42 },
    annotations: { title: 'Train/test split', ...WRITES, idempotentHint: true },
    handlers: {
      local: async (input, ctx) => {
        const { rows: total } = await datasets.info(input.name, ctx)
        const trainRows = Math.round(total * input.trainRatio)
        // Rows ordered by a seeded hash of their position: a fixed, shuffled order.
        const shuffled = `SELECT * EXCLUDE (__k, __r) FROM (SELECT *, hash(rowid, ${input.seed}) AS __k, rowid AS __r FROM ${sqlIdent(input.name)}) ORDER BY __k, __r`
        const options = { replace: input.replace, call: ctx }
        const train = await datasets.create(
          input.trainName ?? `${input.name}_train`,
          `${shuffled} LIMIT ${trainRows}`,
          options,
        )
        const test = await datasets.create(
          input.testName ?? `${input.name}_test`,
          `${shuffled} OFFSET ${trainRows}`,
          options,
        )
        return { train, test }
      },
    },
  })

  return [head, sample, query, process, split]
}
