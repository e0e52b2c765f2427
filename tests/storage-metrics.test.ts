import { statfsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { STORES } from '../relay/storage/stores.ts'
import { toolHarness } from './helpers.ts'

const h = toolHarness()

/** Every sample of `name` on /metrics, by its label text (`{store="tasks"}`, or '' for none). */
async function samples(name: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${h.relay.url}/metrics`)).text()
  const found = new Map<string, number>()
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`).exec(line)
    if (match) found.set(match[1] ?? '', Number(match[2]))
  }
  return found
}

describe('/metrics on the data directory', () => {
  it('shows the size of the data filesystem and its free space', async () => {
    const size = await samples('mcpp_data_fs_size_bytes')
    const free = await samples('mcpp_data_fs_free_bytes')
    const stats = statfsSync(h.relay.components.config.dataDir)
    expect(size.get('')).toBe(stats.blocks * stats.bsize)
    // Other programs write to the same disk meanwhile: the reading is close, not equal.
    expect(Math.abs((free.get('') ?? -1) - stats.bavail * stats.bsize)).toBeLessThan(256 * 1024 * 1024)
  })

  it('shows the bytes of every store, and rows of the tasks by state and of the cache', async () => {
    await h.ok('p2p_taskqueue_submit', {
      tasks: [
        { kind: 'echo', input: { n: 1 } },
        { kind: 'echo', input: { n: 2 } },
      ],
    })
    await h.ok('cache_set', { key: 'a', value: 1 })
    await h.ok('cache_set', { key: 'b', value: 2, ttlSeconds: 3600 })
    const rows = await samples('mcpp_store_rows')
    expect(rows.get('{store="tasks",state="queued"}')).toBe(2)
    expect(rows.get('{store="tasks",state="succeeded"}')).toBe(0)
    expect(rows.get('{store="cache",state="live"}')).toBe(2)
    const bytes = await samples('mcpp_store_bytes')
    for (const { store } of STORES) expect(bytes.has(`{store="${store}"}`), store).toBe(true)
    // The stores a started relay has opened take room on disk.
    for (const store of ['tasks', 'cache', 'audit']) {
      expect(bytes.get(`{store="${store}"}`), store).toBeGreaterThan(0)
    }
  })
})
