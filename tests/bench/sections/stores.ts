import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { Registry } from 'prom-client'
import { Compute } from '../../../relay/compute/index.ts'
import type { Logger } from '../../../relay/log.ts'
import { CHECKPOINT_INTERVAL_MS, createCheckpointer } from '../../../relay/store/wal-checkpoints.ts'
import type { BenchSection } from '../context.ts'
import { percentile } from '../load.ts'
import type { Row } from '../table.ts'

/** Rows like a task's (~700 bytes), committed 20 at a time, as a lease round or a batch submit does. */
const ROW_BYTES = 700
const ROWS_PER_COMMIT = 20
/** About 60 MB of WAL: several of SQLite's automatic checkpoints at tasks.db's 4000 pages. */
const COMMITS = 4_000

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }

interface Run {
  /** Each commit's wall time on this thread, ms, sorted. */
  commits: number[]
}

/**
 * Writes COMMITS commits to a fresh WAL database, yielding to the event loop between
 * them (so that timers, the checkpointer's among them, run), and times each commit.
 */
async function writeRun(
  setup: (path: string, db: DatabaseSync) => Promise<() => Promise<void>>,
): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpp-bench-stores-'))
  const path = join(dir, 'tasks.db')
  const db = new DatabaseSync(path)
  // tasks.db's own settings (relay/task-queue/store/task-store.ts).
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 4000; ' +
      'CREATE TABLE t (id INTEGER PRIMARY KEY, kind TEXT, v BLOB); CREATE INDEX t_kind ON t (kind, id)',
  )
  const teardown = await setup(path, db)
  const insert = db.prepare('INSERT INTO t (kind, v) VALUES (?, ?)')
  const commits: number[] = []
  try {
    for (let i = 0; i < COMMITS; i++) {
      const started = performance.now()
      db.exec('BEGIN')
      for (let j = 0; j < ROWS_PER_COMMIT; j++) insert.run(`kind-${j % 7}`, Buffer.alloc(ROW_BYTES, i + j))
      db.exec('COMMIT')
      commits.push(performance.now() - started)
      await yieldToLoop()
    }
  } finally {
    await teardown()
    db.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return { commits: commits.sort((a, b) => a - b) }
}

/**
 * How long a commit holds the event loop when SQLite checkpoints inside it (its automatic
 * checkpoints, the baseline) and when a compute thread does (relay/store/checkpointer.ts).
 */
export const storesBench: BenchSection = {
  name: 'stores',
  async run(ctx) {
    ctx.progress(`stores: ${COMMITS} commits of ${ROWS_PER_COMMIT} rows, SQLite's automatic checkpoints`)
    const inline = await writeRun(async () => async () => {})
    ctx.progress('stores: the same on a compute thread')
    const compute = new Compute({ threads: 1, timeoutSeconds: 60, memoryMb: 256 })
    const threaded = await writeRun(async (path, db) => {
      const checkpointer = createCheckpointer(compute, quiet, new Registry())
      checkpointer.register('tasks', () => ({ path, db }))
      checkpointer.start()
      return async () => {
        await checkpointer.stop()
        await compute.stop()
      }
    })
    const row = (metric: string, pick: (r: Run) => number, target?: Row['target']): Row => ({
      section: 'stores',
      metric,
      value: pick(threaded),
      baseline: pick(inline),
      unit: 'ms',
      ...(target ? { target } : {}),
    })
    return [
      row('tasks.db commit, p50 (checkpoint thread vs in the commit)', (r) => percentile(r.commits, 50)),
      row('tasks.db commit, p99.9', (r) => percentile(r.commits, 99.9)),
      // Issue 9: nothing holds the event loop past 50 ms.
      row(
        `tasks.db commit, longest (checks every ${CHECKPOINT_INTERVAL_MS} ms)`,
        (r) => r.commits.at(-1) ?? 0,
        {
          kind: 'max',
          of: 'value',
          limit: 50,
        },
      ),
    ]
  },
}
