import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { DuckDBInstance } from '@duckdb/node-api'
import { FsBlockstore } from 'blockstore-fs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { McppError } from '../../shared/errors.ts'
import { asStorageFull, isStorageFull } from './storage-full.ts'

interface Sharding {
  encode(cid: CID): { dir: string; file: string }
}

/** Linux's /dev/full answers every write with ENOSPC: real full-disk errors without filling a disk. */
const DEV_FULL = '/dev/full'

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a throw')
}

async function rejected(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (err: unknown) => err,
  )
}

/** An SQLite database that may not grow past a few pages: real SQLITE_FULL from node:sqlite. */
function sqliteFullError(): unknown {
  const db = new DatabaseSync(':memory:')
  db.exec('CREATE TABLE t (x BLOB); PRAGMA max_page_count = 3')
  const err = thrown(() => {
    for (let i = 0; i < 100; i++) db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(4096))
  })
  db.close()
  return err
}

describe('isStorageFull', { skip: process.platform !== 'linux' }, () => {
  it('recognises ENOSPC from fs writes, sync and async', async () => {
    const sync = thrown(() => writeFileSync(DEV_FULL, 'x'))
    expect((sync as NodeJS.ErrnoException).code).toBe('ENOSPC')
    expect(isStorageFull(sync)).toBe(true)
    expect(isStorageFull(await rejected(writeFile(DEV_FULL, 'x')))).toBe(true)
  })

  it('recognises SQLITE_FULL from node:sqlite', () => {
    const err = sqliteFullError()
    expect((err as { errcode: number }).errcode).toBe(13)
    expect(isStorageFull(err)).toBe(true)
  })

  it('recognises DuckDB failing to write a file on a full disk', async () => {
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    const err = await rejected(
      connection.run(`COPY (SELECT range FROM range(100000)) TO '${DEV_FULL}' (FORMAT csv)`),
    )
    connection.closeSync()
    instance.closeSync()
    expect(String(err)).toMatch(/No space left on device/)
    expect(isStorageFull(err)).toBe(true)
  })

  it('recognises blockstore-fs putting a block on a full disk (it keeps only the text of the fs error)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpp-full-blocks-'))
    const store = new FsBlockstore(dir)
    await store.open()
    const bytes = new Uint8Array([1, 2, 3])
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))
    // blockstore-fs writes `.<file>.tmp` beside the block, then renames it: make that temp file /dev/full.
    const sharding = (store as unknown as { shardingStrategy: Sharding }).shardingStrategy
    const target = sharding.encode(cid)
    mkdirSync(join(dir, target.dir), { recursive: true })
    symlinkSync(DEV_FULL, join(dir, target.dir, `.${target.file}.tmp`))
    const err = await rejected(store.put(cid, bytes))
    expect((err as Error).name).toBe('PutFailedError')
    expect(isStorageFull(err)).toBe(true)
  })

  it('looks through causes and aggregate errors', () => {
    const enospc = thrown(() => writeFileSync(DEV_FULL, 'x'))
    expect(isStorageFull(new Error('the write failed', { cause: enospc }))).toBe(true)
    expect(isStorageFull(new AggregateError([new Error('other'), enospc]))).toBe(true)
  })

  it('does not call other failures a full disk', () => {
    expect(isStorageFull(thrown(() => readFileSync('/nonexistent/file')))).toBe(false)
    const db = new DatabaseSync(':memory:')
    db.exec('CREATE TABLE t (x INTEGER PRIMARY KEY)')
    db.exec('INSERT INTO t VALUES (1)')
    expect(isStorageFull(thrown(() => db.exec('INSERT INTO t VALUES (1)')))).toBe(false)
    db.close()
    expect(isStorageFull(new McppError('QUOTA_EXCEEDED', 'over the quota'))).toBe(false)
    expect(isStorageFull(undefined)).toBe(false)
    const loop: Error & { cause?: unknown } = new Error('a cycle')
    loop.cause = loop
    expect(isStorageFull(loop)).toBe(false)
  })
})

describe('asStorageFull', { skip: process.platform !== 'linux' }, () => {
  it('turns a full disk into STORAGE_FULL naming the store, and leaves other errors alone', () => {
    const mapped = asStorageFull(sqliteFullError(), 'tasks')
    expect(mapped).toBeInstanceOf(McppError)
    expect(mapped).toMatchObject({ code: 'STORAGE_FULL', details: { store: 'tasks' } })
    expect((mapped as Error).message).toContain('tasks store')
    const other = new Error('something else')
    expect(asStorageFull(other, 'tasks')).toBe(other)
    const coded = new McppError('NOT_FOUND', 'no such task')
    expect(asStorageFull(coded, 'tasks')).toBe(coded)
  })

  it('maps a compute thread failure that arrived as INTERNAL with the store text', () => {
    const internal = new McppError('INTERNAL', 'graph thread failed: ENOSPC: no space left on device, write')
    expect(asStorageFull(internal, 'graphs')).toMatchObject({ code: 'STORAGE_FULL' })
  })
})
