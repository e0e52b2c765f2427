/** The `search` category: full-text indexes over datasets' text columns (MiniSearch). */
import MiniSearch from 'minisearch'
import { z } from 'zod'
import { sqlIdent } from '../../../shared/data/sql-text.ts'
import { McppError } from '../../../shared/errors.ts'
import { DELETES, READS, WRITES } from '../../../shared/tool/annotations.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { type Datasets, pickColumns } from '../../datasets/datasets.ts'
import { datasetName } from '../dataset/schemas.ts'
import { INDEX_NAME, type IndexMeta, miniSearchOptions, type SearchIndexes } from './index-store.ts'

export const SEARCH_CATEGORY = {
  name: 'search',
  description:
    "Full-text search over datasets' text columns: build an index, ranked queries (BM25) with prefix and fuzzy matching, stats",
}

/** Rows indexed at most (an index lives in memory while used). */
export const MAX_DOCUMENTS = 2_000_000

const indexName = z.string().regex(INDEX_NAME, 'letters, digits, _ . - (at most 64)').describe('Index name')
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

const describe = (name: string, meta: IndexMeta, search: MiniSearch) => ({
  name,
  ...meta,
  terms: search.termCount,
})

export function searchTools(datasets: Datasets, indexes: SearchIndexes) {
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
      replace: z.boolean().default(false),
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
        const info = await datasets.info(input.dataset)
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
        const { rows } = await datasets.engine.read(
          `SELECT ${id} AS __id, ${columns.map(sqlIdent).join(', ')} FROM ${sqlIdent(input.dataset)}`,
          [],
          ctx.signal,
        )
        const seen = new Set<unknown>()
        for (const row of rows) {
          if (seen.has(row.__id)) {
            throw new McppError(
              'INVALID_PARAMS',
              `idColumn: "${input.idColumn}" has the duplicate value ${JSON.stringify(row.__id)}`,
              {
                problems: [{ param: 'idColumn', problem: 'not unique' }],
              },
            )
          }
          seen.add(row.__id)
          for (const f of input.textColumns)
            if (row[f] !== null && typeof row[f] !== 'string') row[f] = String(row[f])
        }
        const meta: IndexMeta = {
          dataset: input.dataset,
          fields: input.textColumns,
          idColumn: input.idColumn ?? null,
          storeFields: input.storeColumns,
          documents: rows.length,
          builtAt: Date.now(),
        }
        const search = new MiniSearch(miniSearchOptions(meta))
        search.addAll(rows)
        await indexes.put(input.name, { meta, search })
        return describe(input.name, meta, search)
      },
    },
  })

  const query = defineTool({
    name: 'search_query',
    category: 'search',
    description:
      'Search an index: ranked (BM25) hits with scores and matched terms; prefix and fuzzy matching, AND/OR, per-column boosts',
    input: z.object({
      index: indexName,
      query: z.string().min(1).max(1_000),
      prefix: z.boolean().default(false).describe('Match terms that start with the query terms'),
      fuzzy: z
        .number()
        .min(0)
        .max(0.5)
        .default(0)
        .describe('Allowed edit distance as a fraction of term length (0.2 ≈ one typo in 5 letters)'),
      combineWith: z.enum(['OR', 'AND']).default('OR'),
      columns: z.array(columnName).max(32).optional().describe('Search only these indexed columns'),
      boost: z.record(columnName, z.number().positive().max(100)).optional().describe('Weight per column'),
      limit: z.number().int().min(1).max(1_000).default(10),
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
    example: { index: 'articles', query: 'climate polic', prefix: true, fuzzy: 0.2, limit: 5 },
    annotations: { title: 'Search an index', ...READS },
    handlers: {
      local: async (input) => {
        const { meta, search } = await indexes.get(input.index)
        const unknown = (input.columns ?? []).filter((c) => !meta.fields.includes(c))
        if (unknown.length > 0) {
          throw new McppError(
            'INVALID_PARAMS',
            `columns: ${unknown.join(', ')} not indexed; indexed: ${meta.fields.join(', ')}`,
            {
              problems: [{ param: 'columns', problem: 'not indexed' }],
            },
          )
        }
        const results = search.search(input.query, {
          prefix: input.prefix,
          fuzzy: input.fuzzy > 0 ? input.fuzzy : false,
          combineWith: input.combineWith,
          ...(input.columns ? { fields: input.columns } : {}),
          ...(input.boost ? { boost: input.boost } : {}),
        })
        return {
          total: results.length,
          hits: results.slice(0, input.limit).map((r) => ({
            id: r.id,
            score: r.score,
            terms: r.terms,
            fields: Object.fromEntries(meta.storeFields.map((f) => [f, r[f]])),
          })),
        }
      },
    },
  })

  const stats = defineTool({
    name: 'search_stats',
    category: 'search',
    description: 'An index: its dataset, columns, documents and distinct terms',
    input: z.object({ index: indexName }),
    output: indexMeta,
    example: { index: 'articles' },
    annotations: { title: 'Index statistics', ...READS },
    handlers: {
      local: async ({ index }) => {
        const { meta, search } = await indexes.get(index)
        return describe(index, meta, search)
      },
    },
  })

  const list = defineTool({
    name: 'search_list',
    category: 'search',
    description: 'List the search indexes on this relay',
    input: z.object({}),
    output: z.object({ indexes: z.array(indexMeta) }),
    annotations: { title: 'List indexes', ...READS },
    handlers: {
      local: async () => ({
        indexes: await Promise.all(
          indexes.names().map(async (n) => {
            const { meta, search } = await indexes.get(n)
            return describe(n, meta, search)
          }),
        ),
      }),
    },
  })

  const drop = defineTool({
    name: 'search_delete_index',
    category: 'search',
    description: 'Delete a search index',
    input: z.object({ index: indexName }),
    output: z.object({ deleted: z.string() }),
    example: { index: 'articles' },
    annotations: { title: 'Delete an index', ...DELETES },
    handlers: {
      local: async ({ index }) => {
        indexes.delete(index)
        return { deleted: index }
      },
    },
  })

  return { info: SEARCH_CATEGORY, tools: [build, query, stats, list, drop] }
}
