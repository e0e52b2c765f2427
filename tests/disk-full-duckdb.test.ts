import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DuckEngine } from '../relay/datasets/duck-engine.ts'
import { McppError } from '../shared/errors.ts'
import { fillWithBallast, mountTmpfs, type Tmpfs } from './tmpfs.ts'

/**
 * DuckDB gives up on a database whose checkpoint failed (a full disk at a checkpoint is
 * a "FATAL Error": every later statement fails until it is reopened). The relay's
 * engine reopens it by itself; the write-ahead log keeps what was committed.
 */
describe('the dataset engine when a checkpoint hits a full disk (a real tmpfs)', { tags: ['tmpfs'] }, () => {
  let tmpfs: Tmpfs | undefined
  let engine: DuckEngine | undefined

  beforeAll(() => {
    tmpfs = mountTmpfs(8 * 1024 * 1024)
  })

  afterAll(async () => {
    await engine?.stop()
    tmpfs?.unmount()
  })

  it('answers STORAGE_FULL, keeps reading, and writes again once space returns, without a restart', async () => {
    const dir = (tmpfs as Tmpfs).dir
    const scratch = join(dir, 'tmp')
    mkdirSync(scratch)
    engine = new DuckEngine({ file: join(dir, 'datasets.duckdb'), allowedDirs: [scratch], tmpDir: scratch })
    await engine.run('CREATE TABLE kept AS SELECT range AS n FROM range(1000)')
    // Committed to the write-ahead log, not yet checkpointed into the database file.
    await engine.run("CREATE TABLE logged AS SELECT range AS n, repeat('x', 50) AS pad FROM range(20000)")
    const ballast = join(dir, 'ballast')
    fillWithBallast(ballast)

    const failed = await engine.run('CHECKPOINT').then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(failed).toBeInstanceOf(McppError)
    expect(failed).toMatchObject({ code: 'STORAGE_FULL', details: { store: 'datasets' } })

    // Reads go on: the next statement opens the database again.
    expect((await engine.read('SELECT count(*) AS c FROM logged')).rows).toEqual([{ c: 20000 }])

    rmSync(ballast)
    await engine.run('CREATE TABLE after_full AS SELECT 42 AS answer')
    await engine.run('CHECKPOINT')
    expect((await engine.read('SELECT count(*) AS c FROM kept')).rows).toEqual([{ c: 1000 }])
    expect((await engine.read('SELECT answer FROM after_full')).rows).toEqual([{ answer: 42 }])
  })
})
