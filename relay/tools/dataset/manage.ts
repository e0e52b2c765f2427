import { z } from 'zod'
import { formatFromPath } from '../../../shared/data/formats.ts'
import { sqlIdent } from '../../../shared/data/sql-text.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import type { Datasets } from '../../datasets/datasets.ts'
import {
  DELETES,
  dataSource,
  datasetInfo,
  datasetName,
  dataTarget,
  READS,
  WRITES,
  written,
} from './schemas.ts'

export function datasetManageTools(datasets: Datasets) {
  const load = defineTool({
    name: 'dataset_load',
    category: 'dataset',
    description:
      'Load a CSV, JSON, JSON Lines or Parquet file (by path or IPFS CID) as a named dataset (a table) for querying',
    input: z.object({
      name: datasetName,
      source: dataSource,
      replace: z.boolean().default(false).describe('Overwrite a dataset of the same name'),
    }),
    output: datasetInfo.extend({ format: z.string() }),
    example: { name: 'sales', source: { path: 'sales.csv' } },
    annotations: { title: 'Load a dataset', ...WRITES, idempotentHint: true },
    handlers: {
      local: async ({ name, source, replace }, ctx) =>
        datasets.withSource(
          source,
          async (reader, format) => ({
            ...(await datasets.create(name, `SELECT * FROM ${reader}`, { replace, call: ctx })),
            format,
          }),
          ctx,
        ),
    },
  })

  const save = defineTool({
    name: 'dataset_save',
    category: 'dataset',
    description:
      'Save a dataset to a file (CSV, JSON, JSON Lines or Parquet) under the data roots, or to IPFS',
    input: z.object({ name: datasetName, target: dataTarget }),
    output: written.extend({ rows: z.number().int() }),
    example: { name: 'sales', target: { path: 'exports/sales.parquet' } },
    annotations: { title: 'Save a dataset', ...WRITES, idempotentHint: true },
    handlers: {
      local: async ({ name, target }, ctx) => {
        const { rows } = await datasets.info(name, ctx)
        const format = target.format ?? formatFromPath(target.path ?? '') ?? 'parquet'
        const where = target.path === undefined ? { ipfs: true as const } : { path: target.path }
        const out = await datasets.write(`SELECT * FROM ${sqlIdent(name)}`, { format, ...where }, ctx)
        return { ...out, rows }
      },
    },
  })

  const list = defineTool({
    name: 'dataset_list',
    category: 'dataset',
    description: 'List the datasets loaded on this relay with their row counts and columns',
    input: z.object({}),
    output: z.object({ datasets: z.array(datasetInfo) }),
    annotations: { title: 'List datasets', ...READS },
    handlers: {
      local: async (_, ctx) => {
        // One dataset after another: a call holds one SQL slot at a time.
        const all = []
        for (const name of await datasets.names(ctx)) all.push(await datasets.info(name, ctx))
        return { datasets: all }
      },
    },
  })

  const info = defineTool({
    name: 'dataset_info',
    category: 'dataset',
    description: "A dataset's schema (column names and types) and row count",
    input: z.object({ name: datasetName }),
    output: datasetInfo,
    example: { name: 'sales' },
    annotations: { title: 'Dataset schema', ...READS },
    handlers: { local: ({ name }, ctx) => datasets.info(name, ctx) },
  })

  const drop = defineTool({
    name: 'dataset_drop',
    category: 'dataset',
    description: 'Delete a dataset',
    input: z.object({ name: datasetName }),
    output: z.object({ dropped: z.string() }),
    example: { name: 'sales_old' },
    annotations: { title: 'Delete a dataset', ...DELETES },
    handlers: {
      local: async ({ name }, ctx) => {
        await datasets.drop(name, ctx)
        return { dropped: name }
      },
    },
  })

  return [load, save, list, info, drop]
}
