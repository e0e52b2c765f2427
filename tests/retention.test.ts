import { statSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../relay/config/load.ts'
import type { RelayConfigInput } from '../relay/config/schema.ts'
import type { RunningRelay } from '../relay/relay.ts'
import type { TaskRecord } from '../shared/task/types.ts'
import { type FakeWorker, fakeWorker, scriptedWorker } from './fake-worker.ts'
import { connectClient, dispatchTool, errorMeta, startTestRelay } from './helpers.ts'

type Client = Awaited<ReturnType<typeof connectClient>>

const DAY = 86_400_000
/** Well above the inline limit (256 KiB), so the input is stored as a block. */
const big = (fill: string) => ({ blob: fill.repeat(300_000) })

let relay: RunningRelay | undefined
let client: Client | undefined
let peer: FakeWorker | undefined
/** The relay's clock runs with the wall clock, shifted by this much (tasks finished "days ago"). */
let offset = 0

afterEach(async () => {
  await peer?.stop()
  await client?.close()
  await relay?.close()
  peer = undefined
  client = undefined
  relay = undefined
  offset = 0
})

async function start(retention: RelayConfigInput['retention'] = {}): Promise<RunningRelay> {
  // The timer never fires during a test: each sweep is the test's own sweepNow().
  relay = await startTestRelay(
    { retention: { sweepIntervalSeconds: 86_400, ...retention } },
    { now: () => Date.now() + offset },
  )
  return relay
}

async function submit(
  r: RunningRelay,
  specs: Array<{ kind: string; input: unknown }>,
): Promise<TaskRecord[]> {
  return (await r.components.tasks.submit(specs)).map((s) => s.task)
}

/** A tool call's failure as `_meta["mcpp/error"]` (code, message and details). */
async function failure(c: Client, tool: string, params: Record<string, unknown>) {
  const result = await c.callTool({ name: 'tools_dispatch', arguments: { tool, params } })
  expect(result.isError).toBe(true)
  return errorMeta(result)
}

describe('retention of finished tasks', () => {
  it('removes exactly the finished tasks past their age and the blocks nothing else needs', async () => {
    const r = await start()
    const { tasks, content } = r.components
    offset = -8 * DAY
    const [a, b, c, d, f] = await submit(r, [
      { kind: 'nobody', input: big('a') },
      // Same input as `a`: the same block, and this task stays queued.
      { kind: 'nobody', input: big('a') },
      { kind: 'nobody', input: big('c') },
      { kind: 'nobody', input: 1 },
      { kind: 'nobody', input: big('f') },
    ])
    for (const task of [a, c, d, f]) tasks.cancel(task!.id)
    expect(a!.inputCid).toBe(b!.inputCid)
    offset = 0

    client = await connectClient(r.url)
    // A pinned DAG that links `c`'s input block: the block is shared with pinned content.
    const dag = await dispatchTool(client, 'ipfs_dag_put', {
      value: { input: { '/': c!.inputCid } },
      codec: 'dag-json',
    })
    await dispatchTool(client, 'ipfs_pin_add', { cid: dag.cid })
    // A task a worker holds (it never answers), and one that finished just now.
    peer = await fakeWorker(r.url)
    await scriptedWorker(peer, (task) => (task.kind === 'stall' ? { stall: true } : { output: task.input }), {
      kinds: ['echo', 'stall'],
    })
    const [held] = await submit(r, [{ kind: 'stall', input: 1 }])
    await vi.waitFor(() => expect(tasks.get(held!.id)?.state).toMatch(/^(leased|running)$/), {
      timeout: 10_000,
    })
    const recent = await dispatchTool(client, 'p2p_taskqueue_submit', { kind: 'echo', input: 5, wait: true })
    expect(recent.results[0].state).toBe('succeeded')

    const before = Date.now()
    const report = await r.components.retention.sweepNow()
    expect(report).toMatchObject({ tasks: 4, blocks: 1 })
    for (const gone of [a, c, d, f]) expect(tasks.get(gone!.id)).toBeUndefined()
    expect(tasks.get(b!.id)?.state).toBe('queued')
    expect(tasks.get(held!.id)?.state).toMatch(/^(leased|running)$/)
    expect(tasks.get(recent.tasks[0].id)?.state).toBe('succeeded')
    // Shared with a queued task, shared with a pinned DAG: kept. Nobody else's: deleted.
    expect(await content.get(a!.inputCid!)).toBeDefined()
    expect(await content.get(c!.inputCid!)).toBeDefined()
    expect(await content.get(f!.inputCid!)).toBeUndefined()

    // The three ways to ask for a result say "expired", and when.
    for (const [tool, id] of [
      ['p2p_taskqueue_get_result', a!.id],
      ['p2p_taskqueue_status', d!.id],
      ['p2p_taskqueue_wait', f!.id],
    ] as const) {
      const meta = await failure(client, tool, { taskId: id })
      expect(meta).toMatchObject({ code: 'NOT_FOUND', reason: 'expired', taskId: id })
      const when = Date.parse(meta.expiredAt)
      expect(new Date(when).toISOString()).toBe(meta.expiredAt)
      expect(when).toBeGreaterThanOrEqual(before)
      expect(when).toBeLessThanOrEqual(Date.now())
    }
    const unknown = await failure(client, 'p2p_taskqueue_get_result', { taskId: 'never-was' })
    expect(unknown.code).toBe('NOT_FOUND')
    expect(unknown.reason).toBeUndefined()

    const metrics = await (await fetch(`${r.url}/metrics`)).text()
    expect(metrics).toContain('mcpp_retention_rows_removed_total{store="tasks"} 4')
    expect(metrics).toContain('mcpp_retention_blocks_removed_total 1')
    // A second sweep finds nothing more to remove.
    expect(await r.components.retention.sweepNow()).toMatchObject({ tasks: 0, blocks: 0 })
  })

  it('keeps at most the max count of finished tasks, trimming the oldest first', async () => {
    const r = await start({ taskMaxCount: 3 })
    const { tasks } = r.components
    client = await connectClient(r.url)
    const finish = async (n: number) => {
      const made = await submit(
        r,
        Array.from({ length: n }, (_, i) => ({ kind: 'nobody', input: i })),
      )
      for (const task of made) {
        offset += 1000
        tasks.cancel(task.id)
      }
      return made.map((t) => t.id)
    }
    const first = await finish(5)
    expect(await r.components.retention.sweepNow()).toMatchObject({ tasks: 2 })
    expect(first.map((id) => tasks.get(id) !== undefined)).toEqual([false, false, true, true, true])

    // Five more: the three kept before are now the oldest, and the oldest two go with them.
    const second = await finish(5)
    expect(await r.components.retention.sweepNow()).toMatchObject({ tasks: 5, expiredRecords: 4 })
    expect([...first, ...second].map((id) => tasks.get(id) !== undefined)).toEqual([
      ...[false, false, false, false, false],
      ...[false, false, true, true, true],
    ])
    // The record of expired ids keeps the newest three: older ids are simply not found.
    const forgotten = await failure(client, 'p2p_taskqueue_get_result', { taskId: first[0] })
    expect(forgotten).toMatchObject({ code: 'NOT_FOUND' })
    expect(forgotten.reason).toBeUndefined()
    const recorded = await failure(client, 'p2p_taskqueue_get_result', { taskId: second[1] })
    expect(recorded).toMatchObject({ code: 'NOT_FOUND', reason: 'expired' })
  })

  it('sweeps on its timer too', async () => {
    const r = await startTestRelay({ retention: { sweepIntervalSeconds: 1 } })
    relay = r
    r.components.cache.set('short', 1, 1)
    const purged = async () => {
      const text = await (await fetch(`${r.url}/metrics`)).text()
      return (
        text.includes('mcpp_retention_sweeps_total{outcome="ok"}') && !r.components.cache.list('', 10).length
      )
    }
    await vi.waitFor(async () => expect(await purged()).toBe(true), { timeout: 10_000, interval: 100 })
  })

  it('purges expired cache entries and keeps the others', async () => {
    const r = await start()
    const { cache } = r.components
    for (let i = 0; i < 7; i++) cache.set(`short-${i}`, i, 1000)
    cache.set('forever', 'kept')
    cache.set('long', 'kept', 10 * DAY)
    offset = 2000
    expect(await r.components.retention.sweepNow()).toMatchObject({ cacheEntries: 7 })
    expect(cache.stats().entries).toBe(2)
    expect(cache.get('forever')?.value).toBe('kept')
    expect(cache.get('long')?.value).toBe('kept')
    const metrics = await (await fetch(`${r.url}/metrics`)).text()
    expect(metrics).toContain('mcpp_retention_cache_entries_purged_total 7')
  })

  it("gives the removed rows' pages back to the OS (incremental vacuum)", async () => {
    const r = await start({ taskMaxCount: 1, batchSize: 50 })
    const made = await submit(
      r,
      Array.from({ length: 300 }, (_, i) => ({ kind: 'nobody', input: { i, text: 'x'.repeat(8000) } })),
    )
    for (const task of made) r.components.tasks.cancel(task.id)
    const db = new DatabaseSync(join(r.components.config.dataDir, 'tasks.db'), { readOnly: true })
    const pragma = (name: string) => Object.values(db.prepare(`PRAGMA ${name}`).get() as object)[0] as number
    try {
      expect(pragma('auto_vacuum')).toBe(2)
      const pagesBefore = pragma('page_count')
      const report = await r.components.retention.sweepNow()
      expect(report.tasks).toBe(299)
      expect(pragma('freelist_count')).toBe(0)
      // 299 rows of ~8 KB each: at least two pages apiece went back.
      expect(pagesBefore - pragma('page_count')).toBeGreaterThan(500)
      expect(report.bytesReclaimed.tasks).toBeGreaterThan(500 * 4096)
      // The sweep had a compute thread copy the WAL back (relay/store/checkpointer.ts):
      // the file on disk is exactly its pages, the freed ones cut off.
      const file = statSync(join(r.components.config.dataDir, 'tasks.db')).size
      expect(file).toBe(pragma('page_count') * pragma('page_size'))
      const metrics = await (await fetch(`${r.url}/metrics`)).text()
      expect(metrics).toMatch(/mcpp_sqlite_checkpoints_total\{store="tasks",outcome="ok"\} [1-9]/)
    } finally {
      db.close()
    }
  })
})

describe('retention settings', () => {
  it('come from YAML, env and flags, in that order of precedence, with small-deployment defaults', () => {
    const load = (argv: string[], env: Record<string, string> = {}) => {
      const result = loadConfig({
        argv: ['--config', 'relay.yaml', ...argv],
        env,
        readFile: () => 'retention:\n  taskMaxAgeSeconds: 3600\n  batchSize: 100\n',
      })
      if (!result.ok || result.action !== 'run') throw new Error(JSON.stringify(result))
      return result.config.retention
    }
    expect(load([])).toEqual({
      taskMaxAgeSeconds: 3600,
      taskMaxCount: 100_000,
      sweepIntervalSeconds: 60,
      batchSize: 100,
    })
    expect(
      load(['--retention-task-max-count', '50', '--retention-batch-size', '7'], {
        MCPP_RETENTION_TASK_MAX_AGE_SECONDS: '60',
        MCPP_RETENTION_SWEEP_INTERVAL_SECONDS: '5',
        MCPP_RETENTION_BATCH_SIZE: '9',
      }),
    ).toEqual({ taskMaxAgeSeconds: 60, taskMaxCount: 50, sweepIntervalSeconds: 5, batchSize: 7 })
    const bad = loadConfig({ argv: ['--retention-batch-size', '0'], env: {}, readFile: () => '' })
    expect(bad.ok).toBe(false)
  })
})
