import { z } from 'zod'
import { sqlIdent } from '../../shared/data/sql-text.ts'
import { DEFAULT_ENTROPY_THRESHOLD } from '../../shared/security/detectors.ts'
import { READS } from '../../shared/tool/annotations.ts'
import { defineTool } from '../../shared/tool/define-tool.ts'
import type { ComputePool } from '../compute/compute-pool.ts'
import type { Cell } from '../compute/security-ops.ts'
import { type Datasets, pickColumns } from '../datasets/datasets.ts'
import { datasetName } from './dataset/schemas.ts'

/** Cells read (on the event loop) and scanned (on a compute thread) per chunk. */
const CHUNK_CELLS = 20_000
const MAX_FINDINGS = 1_000

/**
 * Scans every cell of a dataset (any loaded format, Parquet included) for secrets and
 * personal data, reading it in chunks; cells of every type are read as text, so a
 * card number stored as a number is found too.
 */
export function securityDatasetTool(datasets: Datasets, compute: ComputePool) {
  return defineTool({
    name: 'security_scan_dataset',
    category: 'security',
    description:
      'Scan a dataset (a table loaded from CSV, JSON, JSONL or Parquet) cell by cell for secrets and personal data (emails, phone numbers, card numbers); reports row and column',
    input: z.object({
      name: datasetName,
      columns: z
        .array(z.string().min(1).max(256))
        .min(1)
        .max(256)
        .optional()
        .describe('Default: every column'),
      kinds: z
        .array(z.enum(['secret', 'pii']))
        .min(1)
        .default(['secret', 'pii'])
        .describe('What to look for: secret, pii or both'),
      entropyThreshold: z
        .number()
        .min(1)
        .max(8)
        .default(DEFAULT_ENTROPY_THRESHOLD)
        .describe('Bits per character above which a long token counts as a secret'),
    }),
    output: z.object({
      rows: z.number().int(),
      findings: z.array(
        z.object({
          row: z.number().int().describe('0-based row in stored order'),
          column: z.string(),
          type: z.string(),
          kind: z.enum(['secret', 'pii']),
          preview: z.string(),
        }),
      ),
      counts: z.record(z.string(), z.number()),
      truncated: z.boolean().describe(`More than ${MAX_FINDINGS} findings; the rest were not listed`),
    }),
    example: { name: 'customers', kinds: ['pii'] },
    annotations: { title: 'Scan a dataset', ...READS },
    handlers: {
      local: async ({ name, columns, kinds, entropyThreshold }, ctx) => {
        const info = await datasets.info(name, ctx)
        const scanned = pickColumns(info, columns, 'columns').map((c) => c.name)
        const select = scanned.map((c) => `CAST(${sqlIdent(c)} AS VARCHAR) AS ${sqlIdent(c)}`).join(', ')
        const findings: Array<{
          row: number
          column: string
          type: string
          kind: 'secret' | 'pii'
          preview: string
        }> = []
        const counts: Record<string, number> = {}
        const chunk = Math.max(1, Math.floor(CHUNK_CELLS / scanned.length))
        for (let offset = 0; offset < info.rows; offset += chunk) {
          const { rows } = await datasets.engine.read(
            `SELECT ${select} FROM ${sqlIdent(name)} LIMIT ${chunk} OFFSET ${offset}`,
            [],
            ctx,
          )
          const cells: Cell[] = []
          rows.forEach((row, i) => {
            for (const column of scanned) {
              const value = row[column]
              if (typeof value === 'string' && value !== '') cells.push([offset + i, column, value])
            }
          })
          const found = await compute.run<Array<(typeof findings)[number]>>(
            'scanCells',
            { cells, kinds, entropyThreshold },
            { signal: ctx.signal },
          )
          for (const f of found) {
            counts[f.type] = (counts[f.type] ?? 0) + 1
            if (findings.length < MAX_FINDINGS) findings.push(f)
          }
        }
        const total = Object.values(counts).reduce((a, b) => a + b, 0)
        return { rows: info.rows, findings, counts, truncated: total > findings.length }
      },
    },
  })
}
