/** The `vector` category: embeddings and approximate nearest-neighbour indexes (HNSW). */
import { z } from 'zod'
import { DEFAULT_EMBEDDING_DIMENSIONS } from '../../../shared/constants.ts'
import { metadataFilter } from '../../../shared/data/metadata-filter.ts'
import { MAX_TEXT_CHARS } from '../../../shared/text/limits.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import type { Tool, ToolCategory } from '../../../shared/tool/types.ts'
import { embedTool } from '../../../shared/tools/text/text-embed.ts'
import { offloadTools } from '../../compute/offload-tools.ts'
import { MAX_ADD_ITEMS, MAX_ADD_NUMBERS, MAX_DELETE_IDS, MAX_METADATA_BYTES } from '../../vectors/limits.ts'
import { METRICS } from '../../vectors/vector-index.ts'
import { RENAMED_INDEX } from '../store-name.ts'
import type { ToolDeps } from '../tool-deps.ts'
import { vectorIpfsTools } from './ipfs.ts'
import { indexName, indexStats, itemId, metadata, READS, vector, WRITES } from './schemas.ts'

const fmt = (n: number) => n.toLocaleString('en')
const addResult = z.object({ added: z.number().int(), updated: z.number().int(), count: z.number().int() })

export const VECTOR_CATEGORY = {
  name: 'vector',
  description:
    'Embeddings and vector indexes (HNSW): create, add vectors or texts with metadata, top-k search with filters, stats, delete, save to and load from IPFS',
}

export type VectorToolDeps = Pick<ToolDeps, 'vectors' | 'ipfs' | 'compute'>

/**
 * Index work runs on the vector thread (VectorThread), embedding on the compute pool,
 * so no call holds the event loop (issue 9).
 */
export function vectorTools({ vectors: store, ipfs, compute }: VectorToolDeps): ToolCategory {
  const embed = offloadTools(
    [
      embedTool(
        'vector_embed',
        'vector',
        'Create embeddings of texts (the hashing embedding, identical to text_embed); runs in a connected browser worker when one is available',
      ),
    ],
    compute.pool,
    { vector_embed: 'text_embed' },
  )[0] as Tool

  const create = defineTool({
    name: 'vector_create_index',
    category: 'vector',
    description:
      'Create an empty vector index (HNSW) for vectors of a fixed length, with a metric: cosine, l2 (squared Euclidean) or ip (dot product)',
    input: z.object({
      name: indexName,
      dimensions: z
        .number()
        .int()
        .min(1)
        .max(4096)
        .default(DEFAULT_EMBEDDING_DIMENSIONS)
        .describe('Length of every vector (vector_add_texts embeds texts to this length)'),
      metric: z
        .enum(METRICS)
        .default('cosine')
        .describe('cosine, l2 (squared Euclidean) or ip (dot product)'),
      m: z.number().int().min(4).max(64).default(16).describe('Graph degree (accuracy vs size)'),
      efConstruction: z.number().int().min(10).max(1_000).default(200).describe('Build-time candidates'),
      ef: z
        .number()
        .int()
        .min(10)
        .max(1_000)
        .default(64)
        .describe('Search-time candidates (accuracy vs speed)'),
      replace: z.boolean().default(false).describe('Replace an index of the same name'),
    }),
    output: indexStats,
    example: { name: 'docs', dimensions: 384, metric: 'cosine' },
    annotations: { title: 'Create a vector index', ...WRITES, idempotentHint: false },
    handlers: {
      local: (input, ctx) => store.run('create', input, ctx.signal),
    },
  })

  const add = defineTool({
    name: 'vector_add',
    category: 'vector',
    description: `Add vectors with ids and optional metadata (at most ${fmt(MAX_METADATA_BYTES)} bytes as JSON each) to an index; an existing id is updated`,
    input: z.object({
      name: indexName,
      vectors: z
        .array(
          z.strictObject({
            id: itemId,
            vector: vector.describe("The vector, as long as the index's dimensions"),
            metadata: metadata.optional(),
          }),
        )
        .min(1)
        .max(MAX_ADD_ITEMS)
        .refine((items) => items.reduce((n, item) => n + item.vector.length, 0) <= MAX_ADD_NUMBERS, {
          message: `at most ${fmt(MAX_ADD_NUMBERS)} numbers in all per call`,
        })
        .describe(
          `At most ${fmt(MAX_ADD_ITEMS)} vectors and ${fmt(MAX_ADD_NUMBERS)} numbers in all per call`,
        ),
    }),
    output: addResult,
    example: {
      name: 'docs',
      vectors: [{ id: 'doc-1', vector: [0.12, -0.03, 0.4], metadata: { lang: 'en' } }],
    },
    renamed: RENAMED_INDEX,
    annotations: { title: 'Add vectors', ...WRITES, idempotentHint: true },
    handlers: {
      local: (input, ctx) => store.run('add', input, ctx.signal),
    },
  })

  const addTexts = defineTool({
    name: 'vector_add_texts',
    category: 'vector',
    description:
      'Embed texts (hashing embedding) and add them with ids and metadata to an index of matching dimensions',
    input: z.object({
      name: indexName,
      texts: z
        .array(
          z.strictObject({
            id: itemId,
            text: z.string().describe('The text, embedded with the hashing embedding'),
            metadata: metadata.optional(),
          }),
        )
        .min(1)
        .max(MAX_ADD_ITEMS)
        .refine((items) => items.reduce((n, item) => n + item.text.length, 0) <= MAX_TEXT_CHARS, {
          message: `at most ${fmt(MAX_TEXT_CHARS)} characters in all per call`,
        })
        .describe(
          `At most ${fmt(MAX_ADD_ITEMS)} texts and ${fmt(MAX_TEXT_CHARS)} characters in all per call`,
        ),
    }),
    output: addResult,
    example: {
      name: 'docs',
      texts: [{ id: 'doc-1', text: 'Fresh red apples', metadata: { lang: 'en', year: 2024 } }],
    },
    renamed: RENAMED_INDEX,
    annotations: { title: 'Add texts', ...WRITES, idempotentHint: true },
    handlers: {
      local: (input, ctx) => store.run('addTexts', input, ctx.signal),
    },
  })

  const search = defineTool({
    name: 'vector_search',
    category: 'vector',
    description:
      'Similarity search in a vector index: the top-k nearest neighbours of a vector or a text (embedded the same way), optionally only among items whose metadata match a filter',
    input: z
      .object({
        name: indexName,
        vector: vector.optional().describe("Search by this vector (as long as the index's dimensions)"),
        text: z.string().min(1).max(MAX_TEXT_CHARS).optional().describe('Search by text instead of a vector'),
        k: z.number().int().min(1).max(1_000).default(10).describe('Nearest neighbours returned'),
        filter: metadataFilter
          .optional()
          .describe(
            'Only items whose metadata match: field → value, or → comparisons (eq, ne, gt, gte, lt, lte, in, nin), e.g. {"lang": "en", "year": {"gte": 2020}}',
          ),
        ef: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .optional()
          .describe('Candidates considered (default: the index setting)'),
      })
      .superRefine((v, ctx) => {
        if ((v.vector === undefined) === (v.text === undefined)) {
          ctx.addIssue({ code: 'custom', path: ['vector'], message: 'give exactly one of vector and text' })
        }
      }),
    output: z.object({
      metric: z.string(),
      hits: z.array(
        z.object({
          id: z.string(),
          distance: z.number(),
          similarity: z.number().optional(),
          metadata: metadata.optional(),
        }),
      ),
    }),
    example: { name: 'docs', text: 'apples', k: 5, filter: { lang: 'en', year: { gte: 2020 } } },
    renamed: RENAMED_INDEX,
    annotations: { title: 'Vector search', ...READS },
    handlers: {
      local: (input, ctx) => store.run('search', input, ctx.signal),
    },
  })

  const stats = defineTool({
    name: 'vector_stats',
    category: 'vector',
    description:
      "A vector index's statistics: how many vectors it holds (and deleted ones), dimensions, metric and settings",
    input: z.object({ name: indexName }),
    output: indexStats,
    example: { name: 'docs' },
    renamed: RENAMED_INDEX,
    annotations: { title: 'Index statistics', ...READS },
    handlers: { local: (input, ctx) => store.run('stats', input, ctx.signal) },
  })

  const list = defineTool({
    name: 'vector_list',
    category: 'vector',
    description: 'List the vector indexes on this relay',
    input: z.object({}),
    output: z.object({ indexes: z.array(indexStats) }),
    annotations: { title: 'List vector indexes', ...READS },
    handlers: {
      local: (_input, ctx) => store.run('list', {}, ctx.signal),
    },
  })

  const remove = defineTool({
    name: 'vector_delete',
    category: 'vector',
    description: 'Delete vectors by id from an index, or (with no ids) the whole index',
    input: z.object({
      name: indexName,
      ids: z
        .array(itemId)
        .min(1)
        .max(MAX_DELETE_IDS)
        .optional()
        .describe(`Ids to delete, at most ${fmt(MAX_DELETE_IDS)}; without ids the whole index is deleted`),
    }),
    output: z.object({ deleted: z.number().int(), indexDeleted: z.boolean() }),
    example: { name: 'docs', ids: ['doc-1'] },
    renamed: RENAMED_INDEX,
    annotations: {
      title: 'Delete vectors',
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    handlers: {
      local: (input, ctx) => store.run('remove', input, ctx.signal),
    },
  })

  return {
    info: VECTOR_CATEGORY,
    tools: [embed, create, add, addTexts, search, stats, list, remove, ...vectorIpfsTools(store, ipfs)],
  }
}
