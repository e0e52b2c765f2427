import { stat } from 'node:fs/promises'
import type { DatabaseSync } from 'node:sqlite'
import { Counter, type Registry } from 'prom-client'
import type { LifecyclePart } from '../../shared/startable.ts'
import type { Logger } from '../log.ts'
import type { CheckpointResult } from './checkpoint-worker.ts'

/** A WAL database the relay writes on its main thread: its file and connection now, or undefined while closed. */
export type WalFile = () => { path: string; db: DatabaseSync } | undefined

export interface CheckpointerOptions {
  /** Runs one PASSIVE checkpoint of a file on a compute thread (checkpoint-worker.ts). */
  run: (path: string) => Promise<CheckpointResult>
  /** How often each WAL is looked at; one that changed since its last checkpoint gets one. */
  intervalMs: number
  /** After a failed checkpoint, how long the file is left to SQLite's own checkpoints before the thread is tried again. */
  retryAfterMs: number
  log: Logger
  registry?: Registry
  now?: () => number
}

/** A WAL file is truncated to this when SQLite starts it over, so one burst does not keep it large. */
export const WAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024

interface Entry {
  store: string
  file: WalFile
  /** The connection configured for off-thread checkpoints, and its own automatic checkpoint setting. */
  configured?: { db: DatabaseSync; autocheckpoint: number; sizeLimit: number } | undefined
  /** The WAL's size and mtime when its last checkpoint started: unchanged means nothing new to copy. */
  seen?: string | undefined
  inFlight?: { path: string; done: Promise<void> } | undefined
  /** Until then the file is on SQLite's own checkpoints (the thread failed). */
  fallbackUntil: number
}

/**
 * Keeps SQLite's checkpoints off the event loop (issue 9's 50 ms applies to stores too).
 *
 * In WAL mode SQLite copies the WAL back into the database at the commit that takes the
 * WAL past `wal_autocheckpoint` pages, in that commit, with two fsyncs: on this 2-core VM
 * 75–85 ms of event loop for tasks.db's 16 MB (measured: 20-row commits, median 0.1 ms,
 * max 85 ms with automatic checkpoints; max 7 ms without). Each file registered here has
 * its automatic checkpoints turned off on the relay's connection; every `intervalMs` the
 * files whose WAL changed are checkpointed on a compute thread instead, one at a
 * time per file. The WAL then holds about one interval of writes; SQLite starts it over
 * at the next commit once every frame is copied, truncating it to WAL_SIZE_LIMIT_BYTES.
 *
 * If the thread fails (it crashed, it timed out, the disk is full), the file goes back to
 * SQLite's automatic checkpoints for `retryAfterMs`, so its WAL never grows without bound.
 * `stop()` gives every connection its own settings back, so the stores close as usual.
 */
export class Checkpointer implements LifecyclePart {
  readonly name = 'checkpointer'
  private readonly options: CheckpointerOptions
  private readonly now: () => number
  private readonly entries: Entry[] = []
  private readonly checkpoints?: Counter<'store' | 'outcome'>
  private readonly frames?: Counter<'store'>
  private timer: NodeJS.Timeout | undefined
  private ticking: Promise<void> | undefined
  private stopped = false

  constructor(options: CheckpointerOptions) {
    this.options = options
    this.now = options.now ?? Date.now
    if (options.registry) {
      this.checkpoints = new Counter({
        name: 'mcpp_sqlite_checkpoints_total',
        help: 'WAL checkpoints run on a compute thread, by store and outcome (ok, failed)',
        labelNames: ['store', 'outcome'],
        registers: [options.registry],
      })
      this.frames = new Counter({
        name: 'mcpp_sqlite_checkpointed_frames_total',
        help: 'WAL frames (pages) a compute thread copied into each store',
        labelNames: ['store'],
        registers: [options.registry],
      })
    }
  }

  /** Adds a store's WAL file (before or after start). */
  register(store: string, file: WalFile): void {
    this.entries.push({ store, file, fallbackUntil: 0 })
  }

  /** Takes over the checkpoints of every file open now; a file opened later is taken at the next tick. */
  start(): void {
    this.stopped = false
    for (const entry of this.entries) {
      const target = entry.file()
      if (target !== undefined) this.configure(entry, target.db)
    }
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs).unref()
  }

  /** Waits for checkpoints in flight and gives each connection its own checkpoint settings back. */
  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    this.timer = undefined
    await this.ticking
    await Promise.all(this.entries.map((e) => e.inFlight?.done))
    for (const entry of this.entries) this.release(entry)
  }

  /**
   * The checkpoint of `path` running now, if any (it settles when it ends, whatever its
   * outcome): a file is not closed or changed under it.
   */
  running(path: string): Promise<void> | undefined {
    return this.entries.find((e) => e.inFlight?.path === path)?.inFlight?.done
  }

  /**
   * Checkpoints one store now, on the thread, whether or not its WAL changed (after the
   * one in flight, if any). While the thread is failing, SQLite's own checkpoints have
   * the file and this does nothing.
   */
  async checkpointNow(store: string): Promise<void> {
    const entry = this.entries.find((e) => e.store === store)
    if (entry === undefined) throw new Error(`no store ${store} is registered for checkpoints`)
    await entry.inFlight?.done
    const target = entry.file()
    if (this.stopped || target === undefined || entry.inFlight !== undefined) return
    if (this.now() < entry.fallbackUntil) return
    this.configure(entry, target.db)
    entry.seen = undefined
    await this.checkpoint(entry, target.path)
  }

  /**
   * Looks at every file once, starting a checkpoint of each whose WAL changed since its
   * last one (the timer calls this; a test may too). Resolves when those checkpoints end.
   */
  tick(): Promise<void> {
    this.ticking ??= this.scan().finally(() => {
      this.ticking = undefined
    })
    return this.ticking
  }

  private async scan(): Promise<void> {
    const started: Promise<void>[] = []
    for (const entry of this.entries) {
      if (this.stopped) break
      const target = entry.file()
      if (target === undefined || entry.inFlight !== undefined) continue
      if (this.now() < entry.fallbackUntil) continue
      this.configure(entry, target.db)
      const wal = await stat(`${target.path}-wal`).catch(() => undefined)
      // The file may have closed while its WAL was looked at.
      if (wal === undefined || wal.size === 0 || entry.file()?.db !== target.db) continue
      const seen = `${wal.size}:${wal.mtimeMs}`
      if (seen === entry.seen) continue
      entry.seen = seen
      started.push(this.checkpoint(entry, target.path))
    }
    await Promise.all(started)
  }

  private checkpoint(entry: Entry, path: string): Promise<void> {
    const done = this.options
      .run(path)
      .then((result) => {
        this.checkpoints?.inc({ store: entry.store, outcome: 'ok' })
        this.frames?.inc({ store: entry.store }, Math.max(0, result.checkpointed))
      })
      .catch((err: unknown) => {
        this.checkpoints?.inc({ store: entry.store, outcome: 'failed' })
        entry.seen = undefined
        entry.fallbackUntil = this.now() + this.options.retryAfterMs
        this.release(entry)
        this.options.log.warn(
          'checkpoint on a compute thread failed; SQLite checkpoints this store itself for now',
          {
            store: entry.store,
            error: err instanceof Error ? err.message : String(err),
            retryInSeconds: this.options.retryAfterMs / 1000,
          },
        )
      })
      .finally(() => {
        entry.inFlight = undefined
      })
    entry.inFlight = { path, done }
    return done
  }

  /** Turns the connection's automatic checkpoints off (once per connection: an audit segment rotates). */
  private configure(entry: Entry, db: DatabaseSync): void {
    if (entry.configured?.db === db) return
    const autocheckpoint = pragma(db, 'wal_autocheckpoint')
    const sizeLimit = pragma(db, 'journal_size_limit')
    db.exec(`PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`)
    entry.configured = { db, autocheckpoint, sizeLimit }
  }

  /** Gives the connection its own settings back, if it is still open. */
  private release(entry: Entry): void {
    const configured = entry.configured
    entry.configured = undefined
    if (configured === undefined || !configured.db.isOpen) return
    configured.db.exec(
      `PRAGMA wal_autocheckpoint = ${configured.autocheckpoint}; PRAGMA journal_size_limit = ${configured.sizeLimit}`,
    )
  }
}

function pragma(db: DatabaseSync, name: string): number {
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown> | undefined
  const value = Number(row?.[name])
  if (!Number.isInteger(value)) throw new Error(`PRAGMA ${name} answered ${JSON.stringify(row)}`)
  return value
}
