import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/client'
import { describe, expect, it } from 'vitest'
import { connectClient, errorMeta, startTestRelay } from './helpers.ts'

async function dispatch(client: Client, tool: string, params: Record<string, unknown>): Promise<any> {
  const result = await client.callTool({ name: 'tools_dispatch', arguments: { tool, params } })
  if (result.isError) throw new Error(JSON.stringify(errorMeta(result)))
  return (result.structuredContent as any).result
}

describe('cache tools', () => {
  it('keeps values across a relay restart in the same data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-cache-'))
    const first = await startTestRelay({ dataDir })
    const c1 = await connectClient(first.url)
    await dispatch(c1, 'cache_set', { key: 'user:1', value: { name: 'Ada', tags: ['x'] } })
    await dispatch(c1, 'cache_set', { key: 'user:2', value: 42 })
    await dispatch(c1, 'cache_set', { key: 'other', value: null })
    await c1.close()
    await first.close()

    const second = await startTestRelay({ dataDir })
    try {
      const c2 = await connectClient(second.url)
      expect(await dispatch(c2, 'cache_get', { key: 'user:1' })).toEqual({
        key: 'user:1',
        found: true,
        value: { name: 'Ada', tags: ['x'] },
        expiresAt: null,
      })
      expect((await dispatch(c2, 'cache_list', { prefix: 'user:' })).keys.map((k: any) => k.key)).toEqual([
        'user:1',
        'user:2',
      ])
      expect(await dispatch(c2, 'cache_delete', { key: 'user:2' })).toEqual({ key: 'user:2', deleted: true })
      expect(await dispatch(c2, 'cache_delete', { key: 'user:2' })).toEqual({ key: 'user:2', deleted: false })
      const stats = await dispatch(c2, 'cache_stats', {})
      expect(stats).toMatchObject({ entries: 2, sets: 3, hits: 1, deletes: 1 })
      await c2.close()
    } finally {
      await second.close()
    }
  })

  it('expires a value after its TTL', async () => {
    let clock = 5_000_000
    const relay = await startTestRelay({}, { now: () => clock })
    try {
      const c = await connectClient(relay.url)
      const set = await dispatch(c, 'cache_set', { key: 'k', value: 'v', ttlSeconds: 10 })
      expect(set.expiresAt).toBe(clock + 10_000)
      clock += 9_999
      expect((await dispatch(c, 'cache_get', { key: 'k' })).found).toBe(true)
      clock += 2
      expect(await dispatch(c, 'cache_get', { key: 'k' })).toEqual({ key: 'k', found: false })
      expect(await dispatch(c, 'cache_stats', {})).toMatchObject({
        entries: 0,
        expired: 1,
        misses: 1,
        hits: 1,
      })
      await c.close()
    } finally {
      await relay.close()
    }
  })

  it('rejects a missing value and a non-positive TTL naming the parameter', async () => {
    const relay = await startTestRelay()
    try {
      const c = await connectClient(relay.url)
      const missing = await c.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'cache_set', params: { key: 'k' } },
      })
      expect(errorMeta(missing).problems[0].param).toBe('value')
      const ttl = await c.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'cache_set', params: { key: 'k', value: 1, ttlSeconds: -1 } },
      })
      expect(errorMeta(ttl).problems[0].param).toBe('ttlSeconds')
      await c.close()
    } finally {
      await relay.close()
    }
  })
})
