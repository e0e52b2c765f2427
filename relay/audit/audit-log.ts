import { hash } from 'node:crypto'
import { closeSync, fsyncSync, openSync, statSync } from 'node:fs'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { canonicalJson } from '../../shared/canonical-json.ts'
import { McppError } from '../../shared/errors.ts'
import type { LifecyclePart } from '../../shared/startable.ts'
import { type AuditEntry, type AuditFilter, type AuditInput, entryHash } from './audit-entry.ts'
import type { Manifest, SealedSegment } from './manifest.ts'
import type { RemovalPolicy } from './removal-policy.ts'
import { type AuditLayout, queryLayout, type VerifyResult, verifyLayout } from './segment-read.ts'
import { AuditSegments } from './segments.ts'

export { type AuditEntry, type AuditFilter, type AuditInput, entryHash } from './audit-entry.ts'

/**
 * Entries are written in groups, at most this long after they were appended: a
 * commit per call would cost more than the call. A crash loses at most this window,
 * and the chain on disk stays valid (it is cut, never broken).
 */
const FLUSH_INTERVAL_MS = 20
const FLUSH_MAX_ENTRIES = 512
/** How often exported segments are checked against the removal policy. */
const REMOVAL_CHECK_MS = 60_000
/** A seal that failed (disk full, say) is not tried again on every write, only after this. */
const SEAL_RETRY_MS = 1_000
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

export interface AuditLogOptions {
  /** The folder of segments and their manifest (`<data-dir>/audit`). */
  dir: string
  /** An earlier version's single-file log (`<data-dir>/audit.db`), adopted as segment 1. */
  legacyFile?: string | undefined
  /** The active segment is sealed once its database reaches this size. */
  segmentMaxBytes: number
  /** ... or holds this many entries; 0: no entry limit. */
  segmentMaxEntries: number
  removal: RemovalPolicy
  now?: () => number
  onError?: (err: Error, retrying: boolean) => void
  /** Whether a compute thread is checkpointing a file now: the active segment is not sealed under it. */
  walBusy?: (path: string) => boolean
}

/**
 * The append-only, hash-chained record of every tool call: SQLite segments under
 * `<data-dir>/audit/` (issue 16). Entries are chained as they are appended and written
 * in groups (see FLUSH_INTERVAL_MS), so auditing costs a tool call an object and two
 * hashes, not a disk write. A full segment is sealed (synced, read-only, recorded in
 * the manifest) and the next one is anchored to its head; exported segments are
 * removed by policy (segments.ts).
 */
export class AuditLog implements LifecyclePart {
  readonly name = 'audit-log'
  private db: DatabaseSync | undefined
  private insert: StatementSync | undefined
  private pending: AuditEntry[] = []
  private scheduled = false
  private lastHash = ''
  private lastSeq = 0
  /** Reads in flight on other threads: sealing and removal wait for them. */
  private readers = 0
  private removalTimer: NodeJS.Timeout | undefined
  private sealRetryAt = 0
  private readonly segments: AuditSegments
  private readonly now: () => number
  private readonly onError: (err: Error, retrying: boolean) => void
  private readonly options: AuditLogOptions

  /** Opens nothing: `start()` opens the segments and reads where the chain ends. */
  constructor(options: AuditLogOptions) {
    this.options = options
    this.segments = new AuditSegments(options.dir, options.legacyFile)
    this.now = options.now ?? Date.now
    this.onError = options.onError ?? (() => {})
  }

  start(): void {
    if (this.db !== undefined) return
    this.segments.open()
    this.openActive()
    this.sealIfFull()
    this.removeByPolicy()
    this.removalTimer = setInterval(() => this.removeByPolicyInBackground(), REMOVAL_CHECK_MS).unref()
  }

  /** Writes what is pending and closes the file; safe to call again. */
  stop(): void {
    clearInterval(this.removalTimer)
    this.removalTimer = undefined
    if (this.db === undefined) return
    try {
      this.flush()
    } finally {
      this.closeActive()
    }
  }

  private openActive(): void {
    const db = new DatabaseSync(this.segments.activePath)
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;')
    db.exec(SCHEMA)
    this.insert =
      db.prepare(`INSERT INTO audit (seq, time, tool, session_id, identity, params_digest, outcome,
      runtime, duration_ms, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    const last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as
      | { seq: number; hash: string }
      | undefined
    const { active } = this.segments.manifest
    this.lastSeq = last?.seq ?? active.firstSeq - 1
    this.lastHash = last?.hash ?? active.anchor
    this.db = db
  }

  private closeActive(): void {
    this.db?.close()
    this.db = undefined
    this.insert = undefined
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

  /** Writes appended entries now (also done automatically within FLUSH_INTERVAL_MS), then seals a full segment. */
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
    this.sealIfFull()
  }

  /**
   * Seals the active segment once it reaches a limit. Nothing is pending here (all
   * written), so the segment ends exactly at the chain's head. A seal that fails (a
   * reader holds the file, the disk is full) is tried again on a write SEAL_RETRY_MS
   * later; the entries stay in the active segment meanwhile. The seal folds in what the
   * checkpointer has not copied yet (about a second of writes) and fsyncs a file
   * that thread has already synced; it waits while that thread works on the file.
   */
  private sealIfFull(): void {
    const db = this.db
    const { active } = this.segments.manifest
    const entries = this.lastSeq - active.firstSeq + 1
    if (db === undefined || this.pending.length > 0 || entries <= 0 || this.readers > 0) return
    if (this.options.walBusy?.(this.segments.activePath)) return
    if (this.now() < this.sealRetryAt) return
    const { page_count, page_size } = db
      .prepare('SELECT * FROM pragma_page_count, pragma_page_size')
      .get() as {
      page_count: number
      page_size: number
    }
    const { segmentMaxBytes, segmentMaxEntries } = this.options
    const full =
      page_count * page_size >= segmentMaxBytes || (segmentMaxEntries > 0 && entries >= segmentMaxEntries)
    if (!full) return
    const path = this.segments.activePath
    try {
      // Back to a rollback journal: the WAL is folded into the file and removed, so the
      // sealed segment is one self-contained file that opens read-only anywhere.
      db.exec('PRAGMA journal_mode = DELETE')
      this.closeActive()
      const fd = openSync(path, 'r')
      try {
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      this.segments.seal({ lastSeq: this.lastSeq, head: this.lastHash, sealedAt: this.now() })
    } catch (err) {
      this.sealRetryAt = this.now() + SEAL_RETRY_MS
      this.onError(
        new Error(`sealing audit segment ${active.number} failed: ${(err as Error).message}`),
        true,
      )
    } finally {
      // The next segment, or the same one again if the seal was not recorded.
      if (this.db === undefined) this.openActive()
    }
  }

  /**
   * Runs a read of the segments on disk (on a compute thread): pending entries are
   * written first, and no segment is sealed or removed under the read.
   */
  async read<T>(fn: (layout: AuditLayout) => Promise<T>): Promise<T> {
    this.flush()
    this.readers++
    try {
      return await fn(this.segments.layout())
    } finally {
      this.readers--
    }
  }

  /** The active segment's file and connection while open, for the checkpointer (relay/store/checkpointer.ts). */
  walFile(): { path: string; db: DatabaseSync } | undefined {
    return this.db && { path: this.segments.activePath, db: this.db }
  }

  /** The active segment's file (tests tamper with it). */
  get activePath(): string {
    return this.segments.activePath
  }

  /** The segments as the manifest records them. */
  get manifest(): Readonly<Manifest> {
    return this.segments.manifest
  }

  /** Segments and bytes on disk, for /metrics (the active segment's WAL included). */
  diskUsage(): { sealed: number; sealedBytes: number; activeBytes: number } {
    const { sealed } = this.segments.manifest
    const active = this.segments.activePath
    const size = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0
    return {
      sealed: sealed.length,
      sealedBytes: sealed.reduce((sum, s) => sum + s.bytes, 0),
      activeBytes: size(active) + size(`${active}-wal`),
    }
  }

  pathOf(segment: number): string {
    return this.segments.pathOf(segment)
  }

  /** The sealed segment `number` (NOT_FOUND when removed or unknown, CONFLICT when active). */
  sealedSegment(number: number): SealedSegment {
    return this.segments.sealedSegment(number)
  }

  /** Records that a sealed segment was copied out; the removal policy may let it go from now on. */
  markExported(number: number, to: string): SealedSegment {
    return this.segments.markExported(number, to, this.now())
  }

  /** Removes exported segments the policy lets go, unless a read is in flight (then the next check does). */
  removeByPolicy(): number[] {
    if (this.readers > 0) return []
    return this.segments.removeByPolicy(this.now(), this.options.removal)
  }

  private removeByPolicyInBackground(): void {
    try {
      this.removeByPolicy()
    } catch (err) {
      this.onError(new Error(`removing exported audit segments failed: ${(err as Error).message}`), true)
    }
  }

  /** Main-thread reads, for tests and small logs; the tools read on a compute thread. */
  query(filter: AuditFilter): { entries: AuditEntry[]; total: number } {
    this.flush()
    return queryLayout(this.segments.layout(), filter)
  }

  verify(): VerifyResult {
    this.flush()
    return verifyLayout(this.segments.layout())
  }

  private open(): DatabaseSync {
    if (this.db === undefined) throw new McppError('UNAVAILABLE', 'the audit log is not open')
    return this.db
  }
}
