import type { DatabaseSync, SQLInputValue } from 'node:sqlite'
import { type AuditEntry, type AuditFilter, entryHash, type Row, toEntry } from './audit-entry.ts'

/**
 * Reads of one audit segment, on any connection: the relay's own (tests) or a read-only
 * one on a compute thread, where the tools run them (issue 9: a count or a chain walk
 * over a long log would hold the event loop). segment-read.ts combines segments.
 */

/** How the audit log names callers without an identity (their column is NULL). */
export const ANONYMOUS_IDENTITY = 'anonymous'

function whereClause(filter: AuditFilter): { clause: string; values: SQLInputValue[] } {
  const where: string[] = []
  const values: SQLInputValue[] = []
  if (filter.tool !== undefined) where.push('tool = ?') && values.push(filter.tool)
  if (filter.outcome !== undefined) where.push('outcome = ?') && values.push(filter.outcome)
  if (filter.sessionId !== undefined) where.push('session_id = ?') && values.push(filter.sessionId)
  if (filter.identity === ANONYMOUS_IDENTITY) where.push('identity IS NULL')
  else if (filter.identity !== undefined) where.push('identity = ?') && values.push(filter.identity)
  if (filter.since !== undefined) where.push('time >= ?') && values.push(filter.since)
  if (filter.until !== undefined) where.push('time <= ?') && values.push(filter.until)
  return { clause: where.length > 0 ? `WHERE ${where.join(' AND ')}` : '', values }
}

/** Whether the filter selects anything less than every entry (paging aside). */
export function filters(filter: AuditFilter): boolean {
  return whereClause(filter).clause !== ''
}

/** How many entries of this segment match the filter. */
export function countAudit(db: DatabaseSync, filter: AuditFilter): number {
  const { clause, values } = whereClause(filter)
  return (db.prepare(`SELECT COUNT(*) AS n FROM audit ${clause}`).get(...values) as { n: number }).n
}

/** Matching entries of this segment, newest first, paged by the filter's limit and offset. */
export function pageAudit(db: DatabaseSync, filter: AuditFilter): AuditEntry[] {
  const { clause, values } = whereClause(filter)
  const rows = db
    .prepare(`SELECT * FROM audit ${clause} ORDER BY seq DESC LIMIT ? OFFSET ?`)
    .all(...values, filter.limit, filter.offset) as unknown as Row[]
  return rows.map(toEntry)
}

/** Where a chain walk starts: the hash the next entry links to and its expected seq. */
export interface ChainPoint {
  hash: string
  seq: number
}

export type SegmentCheck =
  | { ok: true; checked: number; last: ChainPoint }
  | { ok: false; checked: number; brokenAt: number; problem: string }

/** Walks one segment's chain in order from `start`; the first entry whose links or hash do not hold is reported. */
export function verifySegment(db: DatabaseSync, start: ChainPoint): SegmentCheck {
  let prev = start.hash
  let expectedSeq = start.seq + 1
  let checked = 0
  for (const row of db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as Iterable<Row>) {
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
  return { ok: true, checked, last: { hash: prev, seq: expectedSeq - 1 } }
}

/** Every entry of one segment in order. */
export function* auditEntries(db: DatabaseSync): Iterable<AuditEntry> {
  for (const row of db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as Iterable<Row>) {
    yield toEntry(row)
  }
}
