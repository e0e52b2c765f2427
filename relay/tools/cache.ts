import { z } from 'zod'
import { McppError } from '../../shared/errors.ts'
import { defineTool } from '../../shared/tool/define-tool.ts'
import { freeValue } from '../../shared/tool/free-form.ts'
import type { ToolCategory } from '../../shared/tool/types.ts'
import type { ToolDeps } from './tool-deps.ts'

export const CACHE_CATEGORY = {
  name: 'cache',
  description: 'A persistent key/value cache with TTLs, stored in the relay data directory',
}

const key = z.string().min(1).max(1024).describe('Cache key')
/** Largest value stored, as JSON text: a value is parsed and written on the event loop. */
export const MAX_VALUE_BYTES = 256 * 1024
/**
 * Any JSON value. Not `z.json()`: it checks every nested value with a closure per node,
 * ~400 ms for 150,000 small objects on the event loop (issue 9); a value that came
 * through JSON.parse is JSON already, and its size is checked in one native stringify.
 */
const jsonValue = z.custom<unknown>((v) => v !== undefined, { message: 'a JSON value is required' })
const expiresAt = z.number().int().nullable().describe('Expiry as Unix milliseconds; null never expires')
const idempotent = { idempotentHint: true, openWorldHint: false } as const

export type CacheToolDeps = Pick<ToolDeps, 'cache'>

export function cacheTools({ cache: store }: CacheToolDeps): ToolCategory {
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
      value: freeValue(jsonValue, 'Any JSON value, at most 256 KiB as JSON'),
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
        const bytes = Buffer.byteLength(JSON.stringify(input.value))
        if (bytes > MAX_VALUE_BYTES) {
          throw new McppError('INVALID_PARAMS', `value: ${bytes} bytes as JSON; at most ${MAX_VALUE_BYTES}`, {
            problems: [{ param: 'value', problem: 'too large' }],
          })
        }
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
      prefix: z.string().max(1024).default('').describe('Key prefix'),
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
