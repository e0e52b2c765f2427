import type { DatabaseSync } from 'node:sqlite'

/** SQLite's code for `auto_vacuum = INCREMENTAL`. */
const INCREMENTAL = 2

/**
 * Makes the free pages of an SQLite file returnable to the OS (issue 16) with
 * `incrementalVacuum` below. auto_vacuum can only change while a database has no
 * tables, or by rewriting it: an existing file is rewritten once with VACUUM (as long
 * as copying it, and needing as much free disk). Call outside any transaction.
 */
export function ensureIncrementalVacuum(db: DatabaseSync): void {
  const mode = (db.prepare('PRAGMA auto_vacuum').get() as { auto_vacuum: number }).auto_vacuum
  if (mode === INCREMENTAL) return
  db.exec('PRAGMA auto_vacuum = INCREMENTAL')
  db.exec('VACUUM')
}

export interface VacuumStep {
  /** Pages given back in this step. */
  freedPages: number
  /** Free pages left in the file. */
  freeLeft: number
  pageSize: number
}

/**
 * Gives back up to `pages` free pages: the file shrinks by them (in WAL mode, once the
 * next checkpoint copies the change into the file). Small steps, so that no step holds
 * the event loop for long; the caller repeats while `freeLeft` > 0.
 */
export function incrementalVacuum(db: DatabaseSync, pages: number): VacuumStep {
  const before = freePages(db)
  if (before > 0) db.exec(`PRAGMA incremental_vacuum(${Math.max(1, Math.floor(pages))})`)
  const after = freePages(db)
  const { page_size: pageSize } = db.prepare('PRAGMA page_size').get() as { page_size: number }
  return { freedPages: before - after, freeLeft: after, pageSize }
}

export function freePages(db: DatabaseSync): number {
  return (db.prepare('PRAGMA freelist_count').get() as { freelist_count: number }).freelist_count
}
