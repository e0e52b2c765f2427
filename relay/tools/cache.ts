import { z } from 'zod'
import { defineTool } from '../../shared/tool/define-tool.ts'
import type { CacheStore } from '../store/cache-store.ts'

export const CACHE_CATEGORY = {
  name: 'cache',
  description: 'A persistent key/value cache with TTLs, stored in the relay data directory',
}

const key = z.string().min(1).max(1024).describe('Cache key')
const expiresAt = z.number().int().nullable().describe('Expiry as Unix milliseconds; null never expires')
const idempotent = { idempotentHint: true, openWorldHint: false } as const

export function cacheTools(store: CacheStore) {
  const get = defineTool({
    name: 'cache_get',
    category: 'cache',
    description: 'Get a cached value by key; found is false for a missing or expired key',
    input: z.object({ key }),
    output: z.object({
      key: z.string(),
      found: z.boolean(),
      value: z.unknown().optional(),
      expiresAt: expiresAt.optional(),
    }),
    annotations: { title: 'Get cached value', readOnlyHint: true, ...idempotent },
    handlers: {
      local: async (input) => {
        const entry = store.get(input.key)
        return entry
          ? { key: input.key, found: true, value: entry.value, expiresAt: entry.expiresAt }
          : { key: input.key, found: false }
      },
    },
  })

  const set = defineTool({
    name: 'cache_set',
    category: 'cache',
    description:
      'Store a JSON value under a key, optionally expiring after ttlSeconds; replaces an existing value',
    input: z.object({
      key,
      value: z.json().describe('Any JSON value'),
      ttlSeconds: z
        .number()
        .positive()
        .max(365 * 24 * 3600)
        .optional()
        .describe('Time to live in seconds'),
    }),
    output: z.object({ key: z.string(), expiresAt }),
    annotations: { title: 'Set cached value', readOnlyHint: false, destructiveHint: true, ...idempotent },
    handlers: {
      local: async (input) => {
        const entry = store.set(
          input.key,
          input.value,
          input.ttlSeconds === undefined ? undefined : input.ttlSeconds * 1000,
        )
        return { key: entry.key, expiresAt: entry.expiresAt }
      },
    },
  })

  const del = defineTool({
    name: 'cache_delete',
    category: 'cache',
    description: 'Delete a cached key; deleted is false when it was not there',
    input: z.object({ key }),
    output: z.object({ key: z.string(), deleted: z.boolean() }),
    annotations: { title: 'Delete cached value', readOnlyHint: false, destructiveHint: true, ...idempotent },
    handlers: { local: async (input) => ({ key: input.key, deleted: store.delete(input.key) }) },
  })

  const list = defineTool({
    name: 'cache_list',
    category: 'cache',
    description: 'List live cache keys starting with a prefix, in key order',
    input: z.object({
      prefix: z.string().default('').describe('Key prefix'),
      limit: z.number().int().min(1).max(1000).default(100).describe('Maximum keys'),
    }),
    output: z.object({
      keys: z.array(z.object({ key: z.string(), expiresAt, updatedAt: z.number().int() })),
    }),
    annotations: { title: 'List cache keys', readOnlyHint: true, ...idempotent },
    handlers: { local: async ({ prefix, limit }) => ({ keys: store.list(prefix, limit) }) },
  })

  const stats = defineTool({
    name: 'cache_stats',
    category: 'cache',
    description: 'Cache statistics: live entries, stored bytes, hits, misses, sets, deletes and expirations',
    input: z.object({}),
    output: z.object({
      entries: z.number().int(),
      bytes: z.number().int(),
      hits: z.number().int(),
      misses: z.number().int(),
      sets: z.number().int(),
      deletes: z.number().int(),
      expired: z.number().int(),
    }),
    annotations: {
      title: 'Cache statistics',
      readOnlyHint: true,
      idempotentHint: false,
      openWorldHint: false,
    },
    handlers: { local: async () => store.stats() },
  })

  return { info: CACHE_CATEGORY, tools: [get, set, del, list, stats] }
}
