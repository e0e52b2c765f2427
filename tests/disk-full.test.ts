import { mkdirSync, readdirSync, rmSync, statfsSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnNodeCompute } from '../worker/compute/node-compute.ts'
import { type RunningWorker, startWorker } from '../worker/core/start-worker.ts'
import { connectClient, dispatchTool, errorMeta, taskFinished } from './helpers.ts'
import { exited, type RelayProcess, spawnRelay } from './relay-process.ts'
import { fillWithBallast, mountTmpfs, type Tmpfs } from './tmpfs.ts'

type McpClient = Awaited<ReturnType<typeof connectClient>>

/** The filesystem that fills: big enough for a relay's empty stores, small enough to fill at once. */
const TMPFS_BYTES = 24 * 1024 * 1024
/** /readyz's floor for this relay: well under what an empty relay leaves free, above a full disk. */
const FLOOR_BYTES = 2 * 1024 * 1024
/** Writes tried at most before a store must have answered STORAGE_FULL (each adds at least 64 KiB). */
const MAX_TRIES = 400

let tmpfs: Tmpfs | undefined
let mountPoint = ''
let dataDir = ''
let ballast = ''
let relay: RelayProcess | undefined
let client: McpClient | undefined
let worker: RunningWorker | undefined
/** What the relay process logged (stderr), for a background step's warning. */
let logged = ''

async function startRelay(): Promise<void> {
  relay = await spawnRelay(args())
  relay.child.stderr?.on('data', (chunk) => {
    logged += chunk
  })
  client = await connectClient(relay.url)
}

function args(): string[] {
  return [
    '--port',
    '0',
    '--p2p-port',
    '0',
    '--data-dir',
    dataDir,
    // Warnings are where a background step skipped for the full disk says so.
    '--log-level',
    'warn',
    '--storage-min-free-bytes',
    String(FLOOR_BYTES),
    // The stored-bytes guard would refuse writes long before this disk is full; here the disk must fill.
    '--min-free-disk-mb',
    '0',
  ]
}

async function stopRelay(): Promise<void> {
  await worker?.stop({ drain: false })
  worker = undefined
  await client?.close().catch(() => {})
  client = undefined
  if (relay === undefined) return
  const { child } = relay
  relay = undefined
  child.kill('SIGTERM')
  await exited(child)
}

/** A tool call's result, or its error code and details (`_meta["mcpp/error"]`). */
async function call(
  tool: string,
  params: Record<string, unknown>,
): Promise<{ ok: true; result: any } | { ok: false; code: string; store?: string; message: string }> {
  const answer = await (client as McpClient).callTool({ name: 'tools_dispatch', arguments: { tool, params } })
  if (!answer.isError) return { ok: true, result: (answer.structuredContent as { result: unknown }).result }
  // `_meta["mcpp/error"]` holds the code, the message and the error's details.
  const { code, message, store } = errorMeta(answer)
  return { ok: false, code, store, message }
}

/** Calls `write` (the i-th write) until it fails; that failure. Successes add to the store. */
async function writeUntilRefused(write: (i: number) => ReturnType<typeof call>) {
  for (let i = 0; i < MAX_TRIES; i++) {
    const answer = await write(i)
    if (!answer.ok) return answer
  }
  throw new Error(`${MAX_TRIES} writes on a full disk all succeeded`)
}

async function readyz(): Promise<{ status: number; body: any }> {
  const res = await fetch(`${relay?.url}/readyz`)
  return { status: res.status, body: await res.json() }
}

async function metric(name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${relay?.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `))
  if (line === undefined) throw new Error(`no ${name}${labels} in /metrics`)
  return Number(line.slice(line.lastIndexOf(' ') + 1))
}

const text64k = (seed: string) => `${seed}:`.padEnd(64 * 1024, seed)

describe('a relay whose data disk fills up (a real tmpfs)', { tags: ['tmpfs'] }, () => {
  // What was written before the disk filled, read again while it is full and after a restart.
  const before = { taskIds: [] as string[], cid: '', dataset: 'before_full', cacheKey: 'before-full' }
  const after = { cid: '', taskId: '', dataset: 'after_full', cacheKey: 'after-full' }

  beforeAll(async () => {
    tmpfs = mountTmpfs(TMPFS_BYTES)
    mountPoint = tmpfs.dir
    dataDir = join(mountPoint, 'data')
    mkdirSync(dataDir)
    ballast = join(mountPoint, 'ballast')
    await startRelay()
  }, 60_000)

  afterAll(async () => {
    await stopRelay().catch(() => {})
    tmpfs?.unmount()
  })

  it('shows the data filesystem and its stores on /metrics before anything fills it', async () => {
    const submitted = await dispatchTool(client as McpClient, 'p2p_taskqueue_submit', {
      tasks: [1, 2, 3].map((n) => ({ kind: 'echo', input: { n } })),
    })
    before.taskIds = submitted.tasks.map((t: { id: string }) => t.id)
    before.cid = (await dispatchTool(client as McpClient, 'ipfs_add', { text: text64k('b') })).cid
    await dispatchTool(client as McpClient, 'dataset_query', {
      sql: 'SELECT range AS n FROM range(1000)',
      saveAs: before.dataset,
    })
    await dispatchTool(client as McpClient, 'cache_set', { key: before.cacheKey, value: { kept: true } })

    expect(await metric('mcpp_data_fs_size_bytes')).toBe(TMPFS_BYTES)
    const free = await metric('mcpp_data_fs_free_bytes')
    expect(free).toBeGreaterThan(FLOOR_BYTES)
    expect(free).toBeLessThan(TMPFS_BYTES)
    expect(await metric('mcpp_store_rows', '{store="tasks",state="queued"}')).toBe(3)
    expect(await metric('mcpp_store_rows', '{store="cache",state="live"}')).toBe(1)
    for (const store of ['tasks', 'blockstore', 'datasets', 'cache', 'audit']) {
      expect(await metric('mcpp_store_bytes', `{store="${store}"}`), store).toBeGreaterThan(0)
    }
    // The 64 KiB added to IPFS is in the blockstore's share.
    expect(await metric('mcpp_store_bytes', '{store="blockstore"}')).toBeGreaterThanOrEqual(64 * 1024)
    expect((await readyz()).status).toBe(200)
  })

  it('answers writes with STORAGE_FULL once the disk is full, naming the store', async () => {
    fillWithBallast(ballast)
    expect(statfsSync(mountPoint).bavail).toBe(0)

    // The first write after the disk filled fails in its own store.
    const ipfs = await call('ipfs_add', { text: text64k('f') })
    expect(ipfs).toMatchObject({ ok: false, code: 'STORAGE_FULL', store: 'blockstore' })
    expect((ipfs as { message: string }).message).toMatch(/blockstore store could not be written/)

    // Later ones fail in their store, or, once the audit log's background write has failed
    // too, before they run: a call that would change state unaudited is refused (store `audit`).
    const tasks = await writeUntilRefused((i) =>
      call('p2p_taskqueue_submit', {
        tasks: Array.from({ length: 16 }, (_, j) => ({
          kind: 'echo',
          input: { pad: text64k(`t${i}`).slice(0, 8192), j },
        })),
      }),
    )
    expect(tasks).toMatchObject({
      ok: false,
      code: 'STORAGE_FULL',
      store: expect.toBeOneOf(['tasks', 'audit']),
    })
    const dataset = await writeUntilRefused((i) =>
      call('dataset_query', {
        sql: "SELECT range AS n, repeat('x', 200) AS pad FROM range(50000)",
        saveAs: `full_${i}`,
      }),
    )
    expect(dataset).toMatchObject({
      ok: false,
      code: 'STORAGE_FULL',
      store: expect.toBeOneOf(['datasets', 'audit']),
    })
    const cache = await writeUntilRefused((i) => call('cache_set', { key: `full-${i}`, value: text64k('c') }))
    expect(cache).toMatchObject({
      ok: false,
      code: 'STORAGE_FULL',
      store: expect.toBeOneOf(['cache', 'audit']),
    })

    // The entries of these calls cannot all be written: state-changing calls are then refused for the audit log.
    await expect
      .poll(async () => (await call('cache_set', { key: 'audit-gate', value: 1 })) as { store?: string }, {
        timeout: 10_000,
        interval: 50,
      })
      .toMatchObject({ ok: false, code: 'STORAGE_FULL', store: 'audit' })
  })

  it('keeps reads, /healthz and the open MCP session working while the disk is full', async () => {
    const status = await call('p2p_taskqueue_status', { taskId: before.taskIds[0] })
    expect(status).toMatchObject({ ok: true })
    const cat = await call('ipfs_cat', { cid: before.cid })
    expect(cat).toMatchObject({ ok: true, result: { content: text64k('b') } })
    const head = await call('dataset_head', { name: before.dataset, n: 3 })
    expect(head).toMatchObject({ ok: true, result: { rows: [{ n: 0 }, { n: 1 }, { n: 2 }] } })
    const cached = await call('cache_get', { key: before.cacheKey })
    expect(cached).toMatchObject({ ok: true, result: { found: true, value: { kept: true } } })
    expect((await fetch(`${relay?.url}/healthz`)).status).toBe(200)
    expect(await metric('mcpp_data_fs_free_bytes')).toBeLessThan(FLOOR_BYTES)
  })

  it('is not ready below the free-space floor, and says so', async () => {
    // /readyz answers from the last reading of the disk and takes a new one: at most one probe behind.
    await expect.poll(async () => (await readyz()).status, { timeout: 10_000, interval: 100 }).toBe(503)
    const { body } = await readyz()
    expect(body.failing).toContain('data-disk-free')
    expect(body.checks['data-disk-free'].detail).toMatch(
      new RegExp(`below the floor of ${FLOOR_BYTES} \\(storage\\.minFreeBytes\\)`),
    )
  })

  it('stays up when a worker connects while the disk is full: the queue cannot lease, and says so', async () => {
    worker = await startWorker({
      relay: (relay as RelayProcess).url,
      concurrency: 2,
      name: 'disk-full worker',
      spawnCompute: () => spawnNodeCompute(),
      reconnectBaseMs: 50,
    })
    await expect
      .poll(
        async () =>
          (await dispatchTool(client as McpClient, 'p2p_taskqueue_worker_stats', { connectedOnly: true }))
            .workers.length,
        {
          timeout: 15_000,
        },
      )
      .toBe(1)
    // Leasing the queued tasks to it is a write: the round is skipped, not fatal.
    await expect
      .poll(() => logged, { timeout: 15_000 })
      .toMatch(/a task queue round skipped: the data disk is full/)
    expect(relay?.child.exitCode).toBeNull()
    expect((await fetch(`${relay?.url}/healthz`)).status).toBe(200)
    expect(await call('p2p_taskqueue_status', { taskId: before.taskIds[0] })).toMatchObject({
      ok: true,
      result: { state: 'queued' },
    })
  })

  it('recovers by itself once space returns: the next writes succeed and it is ready again', async () => {
    rmSync(ballast)
    const added = await call('ipfs_add', { text: text64k('a') })
    expect(added).toMatchObject({ ok: true })
    after.cid = (added as { result: { cid: string } }).result.cid
    const submitted = await call('p2p_taskqueue_submit', {
      tasks: [{ kind: 'echo', input: { after: true } }],
    })
    expect(submitted).toMatchObject({ ok: true })
    after.taskId = (submitted as { result: { tasks: Array<{ id: string }> } }).result.tasks[0]?.id ?? ''
    expect(await call('dataset_query', { sql: 'SELECT 42 AS answer', saveAs: after.dataset })).toMatchObject({
      ok: true,
    })
    expect(await call('cache_set', { key: after.cacheKey, value: { after: true } })).toMatchObject({
      ok: true,
    })
    await expect.poll(async () => (await readyz()).status, { timeout: 10_000, interval: 100 }).toBe(200)
    // The worker that connected while the disk was full gets the queued tasks now.
    for (const [i, taskId] of before.taskIds.entries()) {
      const { task } = await taskFinished(client as McpClient, taskId)
      expect(task).toMatchObject({ state: 'succeeded', output: { n: i + 1 } })
    }
  })

  it('leaves every store intact: after a stop the databases check clean and a new relay reads all of it', async () => {
    await stopRelay()
    const segments = readdirSync(join(dataDir, 'audit')).filter((f) => f.endsWith('.db'))
    expect(segments.length).toBeGreaterThan(0)
    for (const file of [
      'tasks.db',
      'cache.db',
      'peerbook.db',
      'peers.db',
      ...segments.map((f) => join('audit', f)),
    ]) {
      const db = new DatabaseSync(join(dataDir, file), { readOnly: true })
      const rows = db.prepare('PRAGMA integrity_check').all()
      db.close()
      expect(rows, file).toEqual([{ integrity_check: 'ok' }])
    }
    await startRelay()
    for (const taskId of [...before.taskIds, after.taskId]) {
      expect(await call('p2p_taskqueue_status', { taskId })).toMatchObject({ ok: true })
    }
    for (const [cid, seed] of [
      [before.cid, 'b'],
      [after.cid, 'a'],
    ] as const) {
      expect(await call('ipfs_cat', { cid })).toMatchObject({ ok: true, result: { content: text64k(seed) } })
    }
    expect(await call('dataset_head', { name: before.dataset, n: 1 })).toMatchObject({
      ok: true,
      result: { rows: [{ n: 0 }] },
    })
    expect(await call('dataset_head', { name: after.dataset, n: 1 })).toMatchObject({
      ok: true,
      result: { rows: [{ answer: 42 }] },
    })
    expect(await call('cache_get', { key: before.cacheKey })).toMatchObject({
      ok: true,
      result: { found: true },
    })
    expect(await call('cache_get', { key: after.cacheKey })).toMatchObject({
      ok: true,
      result: { found: true },
    })
    // The audit chain, written through the full disk, still verifies.
    expect(await call('audit_verify', {})).toMatchObject({ ok: true, result: { ok: true } })
  })
})
