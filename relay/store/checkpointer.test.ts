import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { Registry } from 'prom-client'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ComputePool } from '../compute/compute-pool.ts'
import { siblingModule } from '../compute/worker-reply.ts'
import type { Logger } from '../log.ts'
import type { CheckpointResult } from './checkpoint-worker.ts'
import { Checkpointer, WAL_SIZE_LIMIT_BYTES } from './checkpointer.ts'

const thread = new ComputePool({
  module: siblingModule(import.meta.url, 'checkpoint-worker'),
  threads: 1,
  timeoutMs: 30_000,
  memoryMb: 64,
  label: 'the checkpoint test thread',
})
afterAll(() => thread.stop())

const warnings: string[] = []
const log: Logger = { debug() {}, info() {}, warn: (m) => void warnings.push(m), error() {} }

let dir: string
let path: string
let db: DatabaseSync
let open: boolean
let now: number
/** Paths the checkpoint operation was asked for, in order. */
let calls: string[]

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpp-ckpt-'))
  path = join(dir, 'store.db')
  db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE t (v BLOB)')
  open = true
  now = 1_000_000
  calls = []
  warnings.length = 0
})
afterEach(() => {
  if (db.isOpen) db.close()
  rmSync(dir, { recursive: true, force: true })
})

function checkpointer(run?: (path: string) => Promise<CheckpointResult>, registry?: Registry): Checkpointer {
  const c = new Checkpointer({
    run: (p) => {
      calls.push(p)
      return run ? run(p) : thread.run<CheckpointResult>('checkpoint', { path: p })
    },
    intervalMs: 60_000,
    retryAfterMs: 30_000,
    log,
    now: () => now,
    ...(registry ? { registry } : {}),
  })
  c.register('store', () => (open ? { path, db } : undefined))
  return c
}

/** Commits `rows` rows of 4 KB, 50 per transaction: about one WAL page each. */
function write(rows: number): void {
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)')
  for (let i = 0; i < rows; i += 50) {
    db.exec('BEGIN')
    for (let j = 0; j < 50; j++) insert.run(Buffer.alloc(4000, i + j))
    db.exec('COMMIT')
  }
}

const setting = (name: string) =>
  Number((db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown>)[name])
const size = (p: string) => statSync(p, { throwIfNoEntry: false })?.size ?? 0

describe('Checkpointer', () => {
  it("turns the relay connection's own checkpoints off and copies the WAL into the file on the thread", async () => {
    const c = checkpointer()
    await c.tick()
    expect(setting('wal_autocheckpoint')).toBe(0)
    // That tick checkpointed the CREATE TABLE.
    expect(calls).toEqual([path])
    calls = []
    // 3000 pages: past SQLite's default of 1000, which would have checkpointed in a commit.
    write(3000)
    expect(size(`${path}-wal`)).toBeGreaterThan(3000 * 4096)
    expect(size(path)).toBeLessThan(1024 * 1024)
    await c.tick()
    expect(calls).toEqual([path])
    expect(size(path)).toBeGreaterThan(3000 * 4000)
    // Every frame is in the file, so the next commit starts the WAL over, truncated to the limit.
    write(50)
    expect(size(`${path}-wal`)).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES)
    expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(3050)
    await c.stop()
  })

  it('takes over an open file at start, before its first checkpoint', async () => {
    const c = checkpointer()
    c.start()
    expect(setting('wal_autocheckpoint')).toBe(0)
    expect(setting('journal_size_limit')).toBe(WAL_SIZE_LIMIT_BYTES)
    expect(calls).toEqual([])
    await c.stop()
    expect(setting('wal_autocheckpoint')).toBe(1000)
  })

  it('checkpoints a file again only once its WAL has changed, and counts what it copied', async () => {
    const registry = new Registry()
    const c = checkpointer(undefined, registry)
    write(100)
    await c.tick()
    await c.tick()
    expect(calls).toHaveLength(1)
    write(100)
    await c.tick()
    expect(calls).toHaveLength(2)
    // On demand (after a retention sweep), whether or not it changed.
    await c.checkpointNow('store')
    expect(calls).toHaveLength(3)
    const text = await registry.metrics()
    expect(text).toContain('mcpp_sqlite_checkpoints_total{store="store",outcome="ok"} 3')
    expect(text).toMatch(/mcpp_sqlite_checkpointed_frames_total\{store="store"\} [1-9]\d*/)
    await c.stop()
  })

  it('skips a store while it is closed, and one whose file is gone answers NOT_FOUND on the thread', async () => {
    const c = checkpointer()
    write(50)
    open = false
    await c.tick()
    expect(calls).toEqual([])
    await c.stop()
    await expect(thread.run('checkpoint', { path: join(dir, 'removed.db') })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    })
    // Not created by the attempt.
    expect(size(join(dir, 'removed.db'))).toBe(0)
  })

  it("hands a file back to SQLite's checkpoints when the thread fails, and tries the thread again later", async () => {
    let fail = true
    const c = checkpointer(async (p) => {
      if (fail) throw new Error('thread crashed')
      return thread.run<CheckpointResult>('checkpoint', { path: p })
    })
    write(50)
    await c.tick()
    expect(warnings).toEqual([
      'checkpoint on a compute thread failed; SQLite checkpoints this store itself for now',
    ])
    expect(setting('wal_autocheckpoint')).toBe(1000)
    expect(setting('journal_size_limit')).toBe(-1)
    // Within the retry delay nothing is tried, even with new writes.
    write(50)
    await c.tick()
    expect(calls).toHaveLength(1)
    fail = false
    now += 30_000
    await c.tick()
    expect(calls).toHaveLength(2)
    expect(setting('wal_autocheckpoint')).toBe(0)
    await c.stop()
  })

  it('gives the connection its own settings back on stop, and says while a checkpoint runs', async () => {
    db.exec('PRAGMA wal_autocheckpoint = 4000')
    let release: () => void = () => {}
    let entered: () => void = () => {}
    const started = new Promise<void>((resolve) => {
      entered = resolve
    })
    const c = checkpointer(async (p) => {
      entered()
      await new Promise<void>((resolve) => {
        release = resolve
      })
      return thread.run<CheckpointResult>('checkpoint', { path: p })
    })
    write(50)
    const ticked = c.tick()
    await started
    expect(c.running(path)).toBeInstanceOf(Promise)
    expect(c.running(join(dir, 'other.db'))).toBeUndefined()
    const stopped = c.stop()
    release()
    await ticked
    await stopped
    expect(c.running(path)).toBeUndefined()
    expect(setting('wal_autocheckpoint')).toBe(4000)
    expect(setting('journal_size_limit')).toBe(-1)
  })
})
