import { hash } from 'node:crypto'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { canonicalJson } from '../../shared/canonical-json.ts'
import { McppError } from '../../shared/errors.ts'
import type { LifecyclePart } from '../../shared/startable.ts'
import { type AuditEntry, type AuditFilter, type AuditInput, entryHash, GENESIS } from './audit-entry.ts'
import { queryAudit, type VerifyResult, verifyAudit } from './audit-read.ts'

export { type AuditEntry, type AuditFilter, type AuditInput, entryHash } from './audit-entry.ts'

/**
 * Entries are written in groups, at most this long after they were appended: a
 * commit per call would cost more than the call. A crash loses at most this window,
 * and the chain on disk stays valid (it is cut, never broken).
 */
const FLUSH_INTERVAL_MS = 20
const FLUSH_MAX_ENTRIES = 512
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    time INTEGER NOT NULL, tool TEXT NOT NULL, session_id TEXT, identity TEXT,
    params_digest TEXT NOT NULL, outcome TEXT NOT NULL, runtime TEXT, duration_ms REAL NOT NULL,
    prev_hash TEXT NOT NULL, hash TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS audit_tool ON audit (tool, seq);
  CREATE INDEX IF NOT EXISTS audit_time ON audit (time);
  CREATE INDEX IF NOT EXISTS audit_identity ON audit (identity, seq);
  -- Append-only: the database itself refuses edits and deletions.
  CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`

/** One-shot hashing: this runs on every tool call, and a Hash object costs more than the digest. */
export function paramsDigest(params: unknown): string {
  return hash('sha256', canonicalJson(params ?? {}), 'hex')
}

/**
 * The append-only, hash-chained record of every tool call (SQLite, `<data-dir>/audit.db`).
 * Entries are chained as they are appended and written in groups (see FLUSH_INTERVAL_MS),
 * so auditing costs a tool call an object and two hashes, not a disk write.
 */
export class AuditLog implements LifecyclePart {
  readonly name = 'audit-log'
  private db: DatabaseSync | undefined
  private insert: StatementSync | undefined
  private pending: AuditEntry[] = []
  private scheduled = false
  private lastHash = GENESIS
  private lastSeq = 0

  private readonly onError: (err: Error, retrying: boolean) => void
  private readonly file: string

  /** Opens nothing: `start()` opens the file and reads where the chain ends. */
  constructor(path: string, onError: (err: Error, retrying: boolean) => void = () => {}) {
    this.onError = onError
    this.file = path
  }

  start(): void {
    if (this.db !== undefined) return
    const db = new DatabaseSync(this.file)
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;')
    db.exec(SCHEMA)
    this.insert =
      db.prepare(`INSERT INTO audit (seq, time, tool, session_id, identity, params_digest, outcome,
      runtime, duration_ms, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    const last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as
      | { seq: number; hash: string }
      | undefined
    this.lastSeq = last?.seq ?? 0
    this.lastHash = last?.hash ?? GENESIS
    this.db = db
  }

  /** Writes what is pending and closes the file; safe to call again. */
  stop(): void {
    if (this.db === undefined) return
    try {
      this.flush()
    } finally {
      this.db.close()
      this.db = undefined
      this.insert = undefined
    }
  }

  /**
   * Chains an entry and schedules its write. While the log is not open (before start,
   * after stop: a call cut at shutdown that settles late) nothing can be written, and
   * the loss is reported, never silent.
   */
  append(input: AuditInput): AuditEntry | undefined {
    if (this.db === undefined) {
      this.onError(new Error(`the audit log is closed; the entry for ${input.tool} was not written`), false)
      return undefined
    }
    const base = { seq: this.lastSeq + 1, ...input }
    const entry: AuditEntry = { ...base, prevHash: this.lastHash, hash: entryHash(this.lastHash, base) }
    this.lastSeq = entry.seq
    this.lastHash = entry.hash
    this.pending.push(entry)
    if (this.pending.length >= FLUSH_MAX_ENTRIES) this.flush()
    else if (!this.scheduled) {
      this.scheduled = true
      setTimeout(() => this.flushInBackground(), FLUSH_INTERVAL_MS).unref()
    }
    return entry
  }

  /** A failed background write keeps the entries for the next attempt instead of crashing. */
  private flushInBackground(): void {
    try {
      this.flush()
    } catch (err) {
      this.onError(err as Error, true)
      if (!this.scheduled) {
        this.scheduled = true
        setTimeout(() => this.flushInBackground(), FLUSH_INTERVAL_MS * 50).unref()
      }
    }
  }

  /** Writes appended entries now (also done automatically within FLUSH_INTERVAL_MS). */
  flush(): void {
    this.scheduled = false
    if (this.pending.length === 0) return
    const db = this.open()
    const insert = this.insert as StatementSync
    const batch = this.pending
    db.exec('BEGIN IMMEDIATE')
    try {
      for (const e of batch) {
        insert.run(
          e.seq,
          e.time,
          e.tool,
          e.sessionId,
          e.identity,
          e.paramsDigest,
          e.outcome,
          e.runtime,
          e.durationMs,
          e.prevHash,
          e.hash,
        )
      }
      db.exec('COMMIT')
      this.pending = this.pending.slice(batch.length)
    } catch (err) {
      // Already rolled back by SQLite after SQLITE_FULL: keep the error that says the disk is full.
      if (db.isTransaction) db.exec('ROLLBACK')
      throw err
    }
  }

  /** The database file, which compute threads open read-only (audit-read.ts). */
  get path(): string {
    return this.file
  }

  query(filter: AuditFilter): { entries: AuditEntry[]; total: number } {
    this.flush()
    return queryAudit(this.open(), filter)
  }

  verify(): VerifyResult {
    this.flush()
    return verifyAudit(this.open())
  }

  private open(): DatabaseSync {
    if (this.db === undefined) throw new McppError('UNAVAILABLE', 'the audit log is not open')
    return this.db
  }
}
