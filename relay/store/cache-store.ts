import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { McppError } from '../../shared/errors.ts'
import type { LifecyclePart } from '../../shared/startable.ts'
import { isStorageFull } from '../storage/storage-full.ts'
import { ensureIncrementalVacuum, incrementalVacuum, type VacuumStep } from './sqlite-vacuum.ts'

export interface CacheEntry {
  key: string
  value: unknown
  expiresAt: number | null
  updatedAt: number
}

export interface CacheStats {
  entries: number
  bytes: number
  hits: number
  misses: number
  sets: number
  deletes: number
  expired: number
}

const COUNTERS = ['hits', 'misses', 'sets', 'deletes', 'expired'] as const
type CounterName = (typeof COUNTERS)[number]

/**
 * A key/value cache with TTLs in an SQLite file in the data directory (node:sqlite, no
 * native addon to build). Values are JSON. Counters live in the same file, so stats
 * survive restarts. Expired rows are removed when read and, in batches, by
 * `purgeExpired`, which the retention sweep calls (issue 16, relay/retention/); the
 * pages they free go back to the OS with `vacuum` (auto_vacuum = INCREMENTAL).
 */
type Statements = Record<
  'get' | 'set' | 'del' | 'count' | 'purge' | 'bump' | 'counters' | 'list',
  StatementSync
>

export class CacheStore implements LifecyclePart {
  readonly name = 'cache'
  private readonly path: string
  private readonly now: () => number
  private db: DatabaseSync | undefined
  private statements: Statements | undefined

  /** Opens nothing: the file is opened by `start()`. */
  constructor(path: string, now: () => number = Date.now) {
    this.path = path
    this.now = now
  }

  start(): void {
    if (this.db?.isOpen) return
    const db = new DatabaseSync(this.path)
    ensureIncrementalVacuum(db)
    db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS cache (
        key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER, updated_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS cache_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS cache_expiry ON cache (expires_at) WHERE expires_at IS NOT NULL;
    `)
    for (const name of COUNTERS) {
      db.prepare('INSERT OR IGNORE INTO cache_counters (name, value) VALUES (?, 0)').run(name)
    }
    this.statements = {
      get: db.prepare('SELECT value, expires_at, updated_at FROM cache WHERE key = ?'),
      set: db.prepare(
        'INSERT INTO cache (key, value, expires_at, updated_at) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, updated_at = excluded.updated_at',
      ),
      del: db.prepare('DELETE FROM cache WHERE key = ?'),
      count: db.prepare(
        'SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(CAST(value AS BLOB))), 0) AS bytes FROM cache WHERE expires_at IS NULL OR expires_at > ?',
      ),
      purge: db.prepare(`DELETE FROM cache WHERE rowid IN (SELECT rowid FROM cache INDEXED BY cache_expiry
        WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?)`),
      bump: db.prepare('UPDATE cache_counters SET value = value + ? WHERE name = ?'),
      counters: db.prepare('SELECT name, value FROM cache_counters'),
      list: db.prepare(
        'SELECT key, expires_at, updated_at FROM cache WHERE key >= ? AND key < ? || char(1114111) AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?',
      ),
    }
    this.db = db
  }

  stop(): void {
    if (this.db?.isOpen) this.db.close()
    this.db = undefined
    this.statements = undefined
  }

  /** Its file and connection while open, for the checkpointer (relay/store/checkpointer.ts). */
  walFile(): { path: string; db: DatabaseSync } | undefined {
    return this.db?.isOpen ? { path: this.path, db: this.db } : undefined
  }

  private get stmts(): Statements {
    if (this.statements === undefined)
      throw new McppError('SHUTTING_DOWN', 'the cache is closed: the relay is stopping')
    return this.statements
  }

  private bump(name: CounterName, by = 1): void {
    readGoesOn(() => this.stmts.bump.run(by, name))
  }

  get(key: string): CacheEntry | undefined {
    const row = this.stmts.get.get(key) as
      | { value: string; expires_at: number | null; updated_at: number }
      | undefined
    if (row && row.expires_at !== null && row.expires_at <= this.now()) {
      readGoesOn(() => this.stmts.del.run(key))
      this.bump('expired')
      this.bump('misses')
      return undefined
    }
    if (!row) {
      this.bump('misses')
      return undefined
    }
    this.bump('hits')
    return { key, value: JSON.parse(row.value), expiresAt: row.expires_at, updatedAt: row.updated_at }
  }

  set(key: string, value: unknown, ttlMs?: number): CacheEntry {
    const now = this.now()
    const expiresAt = ttlMs === undefined ? null : now + ttlMs
    this.stmts.set.run(key, JSON.stringify(value), expiresAt, now)
    this.bump('sets')
    return { key, value, expiresAt, updatedAt: now }
  }

  delete(key: string): boolean {
    const { changes } = this.stmts.del.run(key)
    if (changes > 0) this.bump('deletes')
    return changes > 0
  }

  list(prefix: string, limit: number): Array<Omit<CacheEntry, 'value'>> {
    const rows = this.stmts.list.all(prefix, prefix, this.now(), limit) as Array<{
      key: string
      expires_at: number | null
      updated_at: number
    }>
    return rows.map((r) => ({ key: r.key, expiresAt: r.expires_at, updatedAt: r.updated_at }))
  }

  /** Removes up to `limit` expired entries, earliest expiry first; returns how many. */
  purgeExpired(limit: number): number {
    const { changes } = this.stmts.purge.run(this.now(), limit)
    if (changes > 0) this.bump('expired', Number(changes))
    return Number(changes)
  }

  /** One step of giving the file's free pages back to the OS (relay/store/sqlite-vacuum.ts). */
  vacuum(pages: number): VacuumStep {
    const db = this.db
    if (!db?.isOpen) throw new McppError('SHUTTING_DOWN', 'the cache is closed: the relay is stopping')
    return incrementalVacuum(db, pages)
  }

  stats(): CacheStats {
    const { n, bytes } = this.stmts.count.get(this.now()) as { n: number; bytes: number }
    const counters = Object.fromEntries(
      (this.stmts.counters.all() as Array<{ name: CounterName; value: number }>).map((r) => [
        r.name,
        r.value,
      ]),
    ) as Record<CounterName, number>
    return { entries: n, bytes, ...counters }
  }
}

/**
 * A write a read makes on the side (a counter, removing an expired row) is skipped on a
 * full disk (issue 16): the read must not fail for it. Counters are then a little low.
 */
function readGoesOn(write: () => unknown): void {
  try {
    write()
  } catch (err) {
    if (!isStorageFull(err)) throw err
  }
}
