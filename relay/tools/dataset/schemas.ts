import { z } from 'zod'
import { DATA_FORMATS } from '../../../shared/data/formats.ts'
import { DATASET_NAME } from '../../../shared/data/sql-text.ts'

export const datasetName = z
  .string()
  .regex(DATASET_NAME, 'letters, digits and _, starting with a letter or _ (at most 63)')
  .describe('Dataset name (usable as a table name in SQL)')

export const format = z.enum(DATA_FORMATS)

/** A tabular source: exactly one of path and cid. */
export const dataSource = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .optional()
      .describe('A file under the file root (<data-dir>/files), relative to it, e.g. sales.csv'),
    cid: z.string().min(1).optional().describe("A file in this relay's IPFS blockstore"),
    format: format.optional().describe('csv, json, jsonl or parquet (default: from the name or the bytes)'),
    delimiter: z.string().min(1).max(4).optional().describe('CSV delimiter (default: detected)'),
    header: z.boolean().optional().describe('CSV has a header row (default: detected)'),
  })
  .superRefine((v, ctx) => {
    if ((v.path === undefined) === (v.cid === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'give exactly one of path and cid' })
    }
  })
  .describe('Where the rows come from: exactly one of path and cid, with optional format hints')

/** Where rows are written: a path under the roots, or IPFS. */
export const dataTarget = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .optional()
      .describe('A file under the file root (<data-dir>/files), relative to it (written atomically)'),
    ipfs: z.boolean().default(false).describe('Add the file to IPFS and pin it instead'),
    format: format.optional().describe('Default: from the path name, else parquet'),
  })
  .superRefine((v, ctx) => {
    if ((v.path === undefined) === !v.ipfs) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'give a path or ipfs: true (not both)' })
    }
  })
  .describe('Where the rows go: a path, or ipfs: true')

export const column = z.object({ name: z.string(), type: z.string() })
export const datasetInfo = z.object({ name: z.string(), rows: z.number().int(), columns: z.array(column) })
export const rows = z.array(z.record(z.string(), z.unknown()))
export const written = z.object({
  format,
  bytes: z.number().int(),
  path: z.string().optional(),
  cid: z.string().optional(),
})

/** Rows returned inline are capped; larger results are saved as datasets or files. */
export const MAX_ROWS = 10_000
export const rowLimit = z.number().int().min(1).max(MAX_ROWS)

export { DELETES, READS, WRITES } from '../../../shared/tool/annotations.ts'
