import { McppError } from '../../shared/errors.ts'

/**
 * Errno names of a full filesystem: out of blocks or inodes (ENOSPC), or the user's
 * quota reached (EDQUOT). Node's fs errors carry them in `code`.
 */
const FS_CODES = new Set(['ENOSPC', 'EDQUOT'])
/** SQLite's primary result code for a full disk (SQLITE_FULL); node:sqlite puts it in `errcode`. */
const SQLITE_FULL = 13
/**
 * The texts the stores write when they only pass a message on: blockstore-fs wraps the fs
 * error as `PutFailedError(String(err))`, DuckDB says "Could not write file …: No space
 * left on device", better-sqlite3 and node:sqlite "database or disk is full", and an error
 * from a compute thread arrives as its message.
 */
const FULL_TEXT =
  /\bENOSPC\b|\bEDQUOT\b|no space left on device|disk quota exceeded|database or disk is full/i
/** How deep to follow `cause` and AggregateError chains (a cycle must not hang the check). */
const MAX_DEPTH = 8

/**
 * Whether `err` says a write failed because the disk (or the quota on it) is full, in
 * any of the shapes the relay's stores throw: fs (ENOSPC, EDQUOT), node:sqlite and
 * better-sqlite3 (SQLITE_FULL), DuckDB and blockstore-fs (by their message), wrapped
 * in `cause` or an AggregateError at any depth up to MAX_DEPTH.
 */
export function isStorageFull(err: unknown, depth = 0): boolean {
  if (depth > MAX_DEPTH || typeof err !== 'object' || err === null) return false
  const e = err as { code?: unknown; errcode?: unknown; message?: unknown; cause?: unknown; errors?: unknown }
  if (typeof e.code === 'string' && (FS_CODES.has(e.code) || e.code === 'SQLITE_FULL')) return true
  // Extended result codes keep the primary code in their low byte.
  if (typeof e.errcode === 'number' && (e.errcode & 0xff) === SQLITE_FULL) return true
  if (typeof e.message === 'string' && FULL_TEXT.test(e.message)) return true
  if (e.cause !== undefined && isStorageFull(e.cause, depth + 1)) return true
  return Array.isArray(e.errors) && e.errors.some((inner) => isStorageFull(inner, depth + 1))
}

/**
 * The STORAGE_FULL tool error for a write to `store` that failed for lack of space. The
 * store's own message follows, so the operator sees which file or statement failed.
 */
export function storageFullError(store: string, err: unknown): McppError {
  const cause = err instanceof Error ? err.message : String(err)
  return new McppError(
    'STORAGE_FULL',
    `the ${store} store could not be written: the relay's data disk is full (${cause}). Nothing was half-written; reads go on, and writes succeed again once space is freed`,
    { store },
  )
}

/**
 * `err` as STORAGE_FULL naming `store` when the disk is full; otherwise `err` unchanged.
 * A tool error that already has a code keeps it, except INTERNAL: a compute thread's
 * failure arrives as INTERNAL carrying the store's message.
 */
export function asStorageFull(err: unknown, store: string): unknown {
  if (err instanceof McppError && err.code !== 'INTERNAL') return err
  return isStorageFull(err) ? storageFullError(store, err) : err
}
