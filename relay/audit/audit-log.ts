import { hash } from 'node:crypto'
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite'
import { canonicalJson } from '../../shared/canonical-json.ts'

export interface AuditEntry {
  seq: number
  time: number
  tool: string
  sessionId: string | null
  identity: string | null
  /** sha256 of the canonical JSON of the call's parameters (the parameters are not stored). */
  paramsDigest: string
  outcome: string
  runtime: string | null
  durationMs: number
  prevHash: string
  hash: string
}

export type AuditInput = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>

export interface AuditFilter {
  tool?: string | undefined
  outcome?: string | undefined
  sessionId?: string | undefined
  since?: number | undefined
  until?: number | undefined
  limit: number
  offset: number
}

const GENESIS = '0'.repeat(64)
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
  -- Append-only: the database itself refuses edits and deletions.
  CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`

/** The hash of an entry: sha256 over the previous hash and the entry's canonical JSON. */
export function entryHash(prevHash: string, entry: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  return hash('sha256', prevHash + canonicalJson(entry), 'hex')
}

/** One-shot hashing: this runs on every tool call, and a Hash object costs more than the digest. */
export function paramsDigest(params: unknown): string {
  return hash('sha256', canonicalJson(params ?? {}), 'hex')
}

interface Row {
  seq: number
  time: number
  tool: string
  session_id: string | null
  identity: string | null
  params_digest: string
  outcome: string
  runtime: string | null
  duration_ms: number
  prev_hash: string
  hash: string
}

const toEntry = (r: Row): AuditEntry => ({
  seq: r.seq,
  time: r.time,
  tool: r.tool,
  sessionId: r.session_id,
  identity: r.identity,
  paramsDigest: r.params_digest,
  outcome: r.outcome,
  runtime: r.runtime,
  durationMs: r.duration_ms,
  prevHash: r.prev_hash,
  hash: r.hash,
})

/**
 * The append-only, hash-chained record of every tool call (SQLite, `<data-dir>/audit.db`).
 * Entries are chained as they are appended and written in groups (see FLUSH_INTERVAL_MS),
 * so auditing costs a tool call an object and two hashes, not a disk write.
 */
export class AuditLog {
  private readonly db: DatabaseSync
  private readonly insert: StatementSync
  private pending: AuditEntry[] = []
  private scheduled = false
  private lastHash: string
  private lastSeq: number

  private readonly onError: (err: Error) => void

  constructor(path: string, onError: (err: Error) => void = () => {}) {
    this.onError = onError
    this.db = new DatabaseSync(path)
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;')
    this.db.exec(SCHEMA)
    this.insert =
      this.db.prepare(`INSERT INTO audit (seq, time, tool, session_id, identity, params_digest, outcome,
      runtime, duration_ms, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    const last = this.db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as
      | { seq: number; hash: string }
      | undefined
    this.lastSeq = last?.seq ?? 0
    this.lastHash = last?.hash ?? GENESIS
  }

  append(input: AuditInput): AuditEntry {
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
      this.onError(err as Error)
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
    const batch = this.pending
    this.db.exec('BEGIN IMMEDIATE')
    try {
      for (const e of batch) {
        this.insert.run(
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
      this.db.exec('COMMIT')
      this.pending = this.pending.slice(batch.length)
    } catch (err) {
      this.db.exec('ROLLBACK')
      throw err
    }
  }

  query(filter: AuditFilter): { entries: AuditEntry[]; total: number } {
    this.flush()
    const where: string[] = []
    const values: SQLInputValue[] = []
    if (filter.tool !== undefined) where.push('tool = ?') && values.push(filter.tool)
    if (filter.outcome !== undefined) where.push('outcome = ?') && values.push(filter.outcome)
    if (filter.sessionId !== undefined) where.push('session_id = ?') && values.push(filter.sessionId)
    if (filter.since !== undefined) where.push('time >= ?') && values.push(filter.since)
    if (filter.until !== undefined) where.push('time <= ?') && values.push(filter.until)
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
    const total = (
      this.db.prepare(`SELECT COUNT(*) AS n FROM audit ${clause}`).get(...values) as { n: number }
    ).n
    const rows = this.db
      .prepare(`SELECT * FROM audit ${clause} ORDER BY seq DESC LIMIT ? OFFSET ?`)
      .all(...values, filter.limit, filter.offset) as unknown as Row[]
    return { entries: rows.map(toEntry), total }
  }

  /** Walks the chain in order; the first entry whose links or hash do not hold is reported. */
  verify(): { ok: boolean; checked: number; brokenAt?: number; problem?: string } {
    this.flush()
    let prev = GENESIS
    let expectedSeq = 1
    let checked = 0
    for (const row of this.db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as Iterable<Row>) {
      const { prevHash, hash, ...body } = toEntry(row)
      if (body.seq !== expectedSeq)
        return { ok: false, checked, brokenAt: body.seq, problem: `entry ${expectedSeq} is missing` }
      if (prevHash !== prev)
        return {
          ok: false,
          checked,
          brokenAt: body.seq,
          problem: 'prevHash does not link to the previous entry',
        }
      if (entryHash(prev, body) !== hash)
        return { ok: false, checked, brokenAt: body.seq, problem: 'the entry was altered' }
      prev = hash
      expectedSeq++
      checked++
    }
    return { ok: true, checked }
  }

  /** Every entry in order, for export. */
  *all(): Iterable<AuditEntry> {
    this.flush()
    for (const row of this.db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as Iterable<Row>)
      yield toEntry(row)
  }

  close(): void {
    this.flush()
    this.db.close()
  }
}
