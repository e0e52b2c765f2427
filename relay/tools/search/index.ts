/** The `search` category: full-text indexes over datasets' text columns (MiniSearch). */
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { sqlIdent } from '../../../shared/data/sql-text.ts'
import { McppError } from '../../../shared/errors.ts'
import { DELETES, READS, WRITES } from '../../../shared/tool/annotations.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { freeForm } from '../../../shared/tool/free-form.ts'
import type { ToolCategory } from '../../../shared/tool/types.ts'
import { pickColumns } from '../../datasets/datasets.ts'
import { datasetName } from '../dataset/schemas.ts'
import { RENAMED_INDEX, storeName } from '../store-name.ts'
import type { ToolDeps } from '../tool-deps.ts'
import type { IndexMeta } from './index-store.ts'

export const SEARCH_CATEGORY = {
  name: 'search',
  description:
    "Full-text search over datasets' text columns: build an index, ranked queries (BM25) with prefix and fuzzy matching, stats",
}

/** Rows indexed at most (an index lives in memory while used). */
export const MAX_DOCUMENTS = 2_000_000
/** Hits one query answers with (each carries its stored columns). */
export const MAX_HITS = 200
/**
 * A build reads the dataset in pages sized to about this much text, and hands each to
 * the search thread: a page is what the event loop converts and copies at once.
 */
const PAGE_CHARS = 250_000
const FIRST_PAGE_ROWS = 100
const MAX_PAGE_ROWS = 2_000

const indexName = storeName('Search index')
const columnName = z.string().min(1).max(256)
const indexMeta = z.object({
  name: z.string(),
  dataset: z.string(),
  fields: z.array(z.string()),
  idColumn: z.string().nullable(),
  storeFields: z.array(z.string()),
  documents: z.number().int(),
  terms: z.number().int(),
  builtAt: z.number(),
})

/** Characters of text in a page of rows, to size the next page. */
function pageChars(rows: ReadonlyArray<Record<string, unknown>>): number {
  let n = 0
  for (const row of rows) for (const v of Object.values(row)) n += typeof v === 'string' ? v.length : 8
  return n
}

export type SearchToolDeps = Pick<ToolDeps, 'datasets' | 'searches'>

/**
 * Index work runs on the search thread (SearchThread); a build streams the dataset to
 * it in pages (issue 9: no call may hold the event loop).
 */
export function searchTools({ datasets, searches: indexes }: SearchToolDeps): ToolCategory {
  const build = defineTool({
    name: 'search_build_index',
    category: 'search',
    description:
      "Build a full-text index over a dataset's text columns (rows become documents), saved in the data directory",
    input: z.object({
      name: indexName,
      dataset: datasetName,
      textColumns: z.array(columnName).min(1).max(32).describe('Columns whose text is indexed'),
      idColumn: columnName.optional().describe('A column identifying rows (default: row number)'),
      storeColumns: z.array(columnName).max(64).default([]).describe('Columns returned with each hit'),
      replace: z.boolean().default(false).describe('Rebuild an index of the same name'),
    }),
    output: indexMeta,
    example: {
      name: 'articles',
      dataset: 'articles',
      textColumns: ['title', 'body'],
      idColumn: 'id',
      storeColumns: ['title'],
    },
    annotations: { title: 'Build a search index', ...WRITES },
    handlers: {
      local: async (input, ctx) => {
        if (indexes.exists(input.name) && !input.replace) {
          throw new McppError(
            'CONFLICT',
            `search index "${input.name}" exists (pass replace: true to rebuild it)`,
          )
        }
        const info = await datasets.info(input.dataset, ctx)
        pickColumns(info, input.textColumns, 'textColumns')
        pickColumns(info, input.storeColumns, 'storeColumns')
        if (input.idColumn) pickColumns(info, [input.idColumn], 'idColumn')
        const wanted = [
          ...input.textColumns,
          ...input.storeColumns,
          ...(input.idColumn ? [input.idColumn] : []),
        ]
        if (info.rows > MAX_DOCUMENTS) {
          throw new McppError(
            'INVALID_PARAMS',
            `dataset: ${info.rows} rows is over the ${MAX_DOCUMENTS} documents an index takes`,
          )
        }
        const columns = [...new Set(wanted)]
        const id = input.idColumn ? sqlIdent(input.idColumn) : 'rowid'
        const select = `SELECT ${id} AS __id, ${columns.map(sqlIdent).join(', ')} FROM ${sqlIdent(input.dataset)}`
        const meta: IndexMeta = {
          dataset: input.dataset,
          fields: input.textColumns,
          idColumn: input.idColumn ?? null,
          storeFields: input.storeColumns,
          documents: 0,
          builtAt: Date.now(),
        }
        const build = randomUUID()
        await indexes.run('beginBuild', { build, meta }, ctx.signal)
        try {
          let pageRows = FIRST_PAGE_ROWS
          for (let offset = 0; offset < info.rows; ) {
            const { rows } = await datasets.engine.read(
              `${select} LIMIT ${pageRows} OFFSET ${offset}`,
              [],
              ctx,
            )
            if (rows.length === 0) break
            await indexes.run('addRows', { build, rows }, ctx.signal)
            offset += rows.length
            const chars = Math.max(1, pageChars(rows))
            pageRows = Math.max(1, Math.min(MAX_PAGE_ROWS, Math.floor((rows.length * PAGE_CHARS) / chars)))
          }
          return await indexes.run('finishBuild', { build, name: input.name }, ctx.signal)
        } catch (err) {
          await indexes.run('abortBuild', { build }).catch(() => {})
          throw err
        }
      },
    },
  })

  const query = defineTool({
    name: 'search_query',
    category: 'search',
    description:
      "Keyword search over an index's documents (dataset rows): ranked (BM25) hits with scores and matched terms; prefix and fuzzy matching, AND/OR, per-column boosts",
    input: z.object({
      name: indexName,
      query: z.string().min(1).max(1_000).describe('At most 1,000 characters'),
      prefix: z.boolean().default(false).describe('Match terms that start with the query terms'),
      fuzzy: z
        .number()
        .min(0)
        .max(0.5)
        .default(0)
        .describe('Allowed edit distance as a fraction of term length (0.2 ≈ one typo in 5 letters)'),
      combineWith: z
        .enum(['OR', 'AND'])
        .default('OR')
        .describe('OR: documents with any query term; AND: only those with every term'),
      columns: z.array(columnName).max(32).optional().describe('Search only these indexed columns'),
      boost: freeForm(
        z.record(columnName, z.number().positive().max(100)),
        'Indexed column → weight (default 1), e.g. {"title": 2}',
      )
        .refine((b) => Object.keys(b).length <= 32, { message: 'at most 32 columns' })
        .optional(),
      limit: z.number().int().min(1).max(MAX_HITS).default(10).describe(`At most ${MAX_HITS}`),
    }),
    output: z.object({
      total: z.number().int().describe('All matching documents'),
      hits: z.array(
        z.object({
          id: z.unknown(),
          score: z.number(),
          terms: z.array(z.string()),
          fields: z.record(z.string(), z.unknown()),
        }),
      ),
    }),
    example: { name: 'articles', query: 'climate polic', prefix: true, fuzzy: 0.2, limit: 5 },
    renamed: RENAMED_INDEX,
    annotations: { title: 'Search an index', ...READS },
    handlers: {
      local: (input, ctx) => indexes.run('query', input, ctx.signal),
    },
  })

  const stats = defineTool({
    name: 'search_stats',
    category: 'search',
    description: 'An index: its dataset, columns, documents and distinct terms',
    input: z.object({ name: indexName }),
    output: indexMeta,
    example: { name: 'articles' },
    renamed: RENAMED_INDEX,
    annotations: { title: 'Index statistics', ...READS },
    handlers: {
      local: (input, ctx) => indexes.run('stats', input, ctx.signal),
    },
  })

  const list = defineTool({
    name: 'search_list',
    category: 'search',
    description: 'List the full-text search indexes on this relay',
    input: z.object({}),
    output: z.object({ indexes: z.array(indexMeta) }),
    annotations: { title: 'List indexes', ...READS },
    handlers: {
      local: (_input, ctx) => indexes.run('list', {}, ctx.signal),
    },
  })

  const drop = defineTool({
    name: 'search_delete_index',
    category: 'search',
    description: 'Delete a search index',
    input: z.object({ name: indexName }),
    output: z.object({ deleted: z.string() }),
    example: { name: 'articles' },
    renamed: RENAMED_INDEX,
    annotations: { title: 'Delete an index', ...DELETES },
    handlers: {
      local: (input, ctx) => indexes.run('remove', input, ctx.signal),
    },
  })

  return { info: SEARCH_CATEGORY, tools: [build, query, stats, list, drop] }
}
