import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { DatabaseSync } from 'node:sqlite'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { Registry } from 'prom-client'
import { AuditLog } from '../../../relay/audit/audit-log.ts'
import { Compute } from '../../../relay/compute/index.ts'
import type { Logger } from '../../../relay/log.ts'
import type { WalFile } from '../../../relay/store/checkpointer.ts'
import { CHECKPOINT_INTERVAL_MS, createCheckpointer } from '../../../relay/store/wal-checkpoints.ts'
import type { BenchSection } from '../context.ts'
import { percentile } from '../load.ts'
import type { Row } from '../table.ts'

/** Rows like a task's (~700 bytes), committed 20 at a time, as a lease round or a batch submit does. */
const ROW_BYTES = 700
const ROWS_PER_COMMIT = 20
/** About 60 MB of WAL: several of SQLite's automatic checkpoints at tasks.db's 4000 pages. */
const COMMITS = 4_000
/** The default segment size (audit.segmentMaxBytes), and entries written per flush (the log's own group size). */
const SEGMENT_BYTES = 16 * 1024 * 1024
const ENTRIES_PER_FLUSH = 512
/** Flushes per checkpointer tick: ~2,000 entries a second, about the most calls a relay answers here. */
const FLUSHES_PER_TICK = 4

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }

interface Checkpoints {
  register: (file: WalFile) => void
  running: (path: string) => Promise<void> | undefined
  tick: () => Promise<void>
  /** The compute threads, when threaded. */
  compute?: Compute
}

/** Runs `write` with, or without, the relay's checkpointer on a compute thread; `write` registers its file. */
async function withCheckpointer<T>(threaded: boolean, write: (c: Checkpoints) => Promise<T>): Promise<T> {
  if (!threaded) return write({ register: () => {}, running: () => undefined, tick: async () => {} })
  const compute = new Compute({ threads: 1, timeoutSeconds: 60, memoryMb: 256 })
  const checkpointer = createCheckpointer(compute, quiet, new Registry())
  try {
    return await write({
      register: (file) => {
        checkpointer.register('bench', file)
        checkpointer.start()
      },
      running: (path) => checkpointer.running(path),
      tick: () => checkpointer.tick(),
      compute,
    })
  } finally {
    await checkpointer.stop()
    await compute.stop()
  }
}

/**
 * COMMITS commits to a fresh database with tasks.db's settings, yielding to the event
 * loop between them (so that timers, the checkpointer's among them, run): each commit's
 * time on this thread, ms, sorted.
 */
async function taskCommits(threaded: boolean): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpp-bench-stores-'))
  const path = join(dir, 'tasks.db')
  const db = new DatabaseSync(path)
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 4000; ' +
      'CREATE TABLE t (id INTEGER PRIMARY KEY, kind TEXT, v BLOB); CREATE INDEX t_kind ON t (kind, id)',
  )
  try {
    return await withCheckpointer(threaded, async ({ register }) => {
      register(() => ({ path, db }))
      const insert = db.prepare('INSERT INTO t (kind, v) VALUES (?, ?)')
      const commits: number[] = []
      for (let i = 0; i < COMMITS; i++) {
        const started = performance.now()
        db.exec('BEGIN')
        for (let j = 0; j < ROWS_PER_COMMIT; j++) insert.run(`kind-${j % 7}`, Buffer.alloc(ROW_BYTES, i + j))
        db.exec('COMMIT')
        commits.push(performance.now() - started)
        await yieldToLoop()
      }
      return commits.sort((a, b) => a - b)
    })
  } finally {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Fills one audit segment of the default size and seals it. Answers the time on this
 * thread of each group of ENTRIES_PER_FLUSH appends with its write, ms, sorted, and the
 * longest the event loop was held meanwhile, the seal's steps included (they run in
 * turns of their own, after the write that filled the segment). Threaded: the
 * checkpointer looks at the file as it would in a relay, once per second's worth of
 * entries (FLUSHES_PER_TICK), and the seal's disk work runs on a compute thread. Not:
 * SQLite's own checkpoints, and the seal's steps on this thread.
 */
async function auditFill(threaded: boolean): Promise<{ groups: number[]; longestHold: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpp-bench-audit-'))
  try {
    return await withCheckpointer(threaded, async ({ register, running, tick, compute }) => {
      const log = new AuditLog({
        dir,
        segmentMaxBytes: SEGMENT_BYTES,
        segmentMaxEntries: 0,
        removal: { removeExportedAfterSeconds: 3600, maxSealedSegments: 0 },
        walCheckpoint: running,
        ...(compute
          ? { sealStep: (step, path) => compute.pool.run<number>('auditSealStep', { step, path }) }
          : {}),
      })
      log.start()
      register(() => log.walFile())
      const groups: number[] = []
      const holds = monitorEventLoopDelay({ resolution: 1 })
      holds.enable()
      try {
        for (let i = 0; log.manifest.sealed.length === 0; i++) {
          // Appending the group's last entry writes the group (and starts the seal of a full segment).
          const started = performance.now()
          for (let j = 0; j < ENTRIES_PER_FLUSH; j++) {
            log.append({
              time: Date.now(),
              tool: `tool_${(i + j) % 50}`,
              sessionId: `session-${i % 10}`,
              identity: `client-${j % 20}`,
              paramsDigest: `${i}-${j}`.padEnd(64, '0'),
              outcome: 'ok',
              runtime: 'local',
              durationMs: 1,
            })
          }
          log.flush()
          groups.push(performance.now() - started)
          if (i % FLUSHES_PER_TICK === FLUSHES_PER_TICK - 1) await tick()
          await yieldToLoop()
        }
        await log.sealed()
        holds.disable()
      } finally {
        log.stop()
      }
      // The histogram records how late a 1 ms timer fired: a hold of the loop, in ns.
      return { groups: groups.sort((a, b) => a - b), longestHold: holds.max / 1e6 }
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * How long SQLite's checkpoints hold the event loop: inside commits (its automatic
 * checkpoints, the baseline) against on a compute thread (relay/store/checkpointer.ts).
 */
export const storesBench: BenchSection = {
  name: 'stores',
  async run(ctx) {
    ctx.progress(
      `stores: ${COMMITS} commits of ${ROWS_PER_COMMIT} rows, checkpoints inside them, then on a thread`,
    )
    const [inline, threaded] = [await taskCommits(false), await taskCommits(true)]
    ctx.progress('stores: an audit segment filled and sealed, both ways')
    const [auditInline, auditThreaded] = [await auditFill(false), await auditFill(true)]
    const row = (metric: string, value: number, baseline: number, target?: Row['target']): Row => ({
      section: 'stores',
      metric,
      value,
      baseline,
      unit: 'ms',
      ...(target ? { target } : {}),
    })
    // Issue 9: nothing holds the event loop past 50 ms.
    const loop: Row['target'] = { kind: 'max', of: 'value', limit: 50 }
    return [
      row(
        'tasks.db commit, p50 (checkpoints on a thread vs in the commit)',
        percentile(threaded, 50),
        percentile(inline, 50),
      ),
      row('tasks.db commit, p99.9', percentile(threaded, 99.9), percentile(inline, 99.9)),
      row(
        `tasks.db commit, longest (WAL looked at every ${CHECKPOINT_INTERVAL_MS} ms)`,
        threaded.at(-1) ?? 0,
        inline.at(-1) ?? 0,
        loop,
      ),
      row(
        `audit: ${ENTRIES_PER_FLUSH} appends and their write, p50 (on threads vs here)`,
        percentile(auditThreaded.groups, 50),
        percentile(auditInline.groups, 50),
      ),
      row('audit: longest group', auditThreaded.groups.at(-1) ?? 0, auditInline.groups.at(-1) ?? 0, loop),
      row(
        'audit: longest event-loop hold, a 16 MiB segment filled and sealed',
        auditThreaded.longestHold,
        auditInline.longestHold,
        loop,
      ),
    ]
  },
}
