import { chmodSync, closeSync, existsSync, fsyncSync, openSync, statSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import { McppError } from '../../shared/errors.ts'

/** Sealed segments are never written again; the mode says so to anyone on the machine. */
export const SEALED_MODE = 0o444

export const SCHEMA = `
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

/** Opens a segment for appending (WAL, synced at checkpoints), creating its file and schema if needed. */
export function openSegment(path: string): DatabaseSync {
  const db = new DatabaseSync(path)
  try {
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;')
    db.exec(SCHEMA)
    return db
  } catch (err) {
    db.close()
    throw err
  }
}

/**
 * The steps of a seal that write the disk (issue 16, and issue 9's 50 ms): run on a
 * compute thread, so the relay's event loop only switches files and records the seal.
 *
 * - `prepare`: creates the next segment with its schema, before any entry goes there.
 * - `fold`: copies the whole WAL of the segment being sealed into its file and empties
 *   the WAL. The relay's connection is still open but idle, so its close afterwards has
 *   nothing left to copy.
 * - `finish`: once the relay's connection is closed, turns the file back to a rollback
 *   journal (a sealed segment is one self-contained file that opens read-only anywhere),
 *   fsyncs it and makes it read-only. Answers its size. Safe to run again.
 */
export type SealStep = 'prepare' | 'fold' | 'finish'

export function runSealStep(step: SealStep, path: string): number {
  if (step === 'prepare') {
    openSegment(path).close()
    return 0
  }
  // Opening a missing path would create an empty database in its place.
  if (!existsSync(path)) throw new McppError('NOT_FOUND', `no audit segment at ${path}`)
  if (step === 'fold') {
    const db = new DatabaseSync(path)
    try {
      const result = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get() as { busy: number }
      if (result.busy !== 0) throw new McppError('CONFLICT', `the WAL of ${path} is in use; not folded yet`)
    } finally {
      db.close()
    }
    return 0
  }
  return finishSegment(path)
}

/**
 * `finish` above; also run at start for a seal a crash or stop cut short. A file that is
 * gone has nothing left to finish (0 bytes): `audit_verify` reports it missing.
 */
export function finishSegment(path: string): number {
  const found = statSync(path, { throwIfNoEntry: false })
  if (found === undefined) return 0
  if (found.mode & 0o200) {
    const db = new DatabaseSync(path)
    try {
      // SQLite answers the mode it is in: still `wal` when another connection has the file open.
      const { journal_mode } = db.prepare('PRAGMA journal_mode = DELETE').get() as { journal_mode: string }
      if (journal_mode !== 'delete')
        throw new McppError('CONFLICT', `${path} is still open elsewhere; its seal waits`)
    } finally {
      db.close()
    }
  }
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  chmodSync(path, SEALED_MODE)
  return statSync(path).size
}
