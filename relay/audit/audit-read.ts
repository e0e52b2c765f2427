import type { DatabaseSync, SQLInputValue } from 'node:sqlite'
import { type AuditEntry, type AuditFilter, entryHash, GENESIS, type Row, toEntry } from './audit-entry.ts'

/**
 * Reads of the audit log, on any connection: the relay's own (tests) or a read-only
 * one on a compute thread, where the tools run them (issue 9: a count or a chain walk
 * over a long log would hold the event loop).
 */
export interface VerifyResult {
  ok: boolean
  checked: number
  brokenAt?: number
  problem?: string
}

/** How the audit log names callers without an identity (their column is NULL). */
export const ANONYMOUS_IDENTITY = 'anonymous'

export function queryAudit(db: DatabaseSync, filter: AuditFilter): { entries: AuditEntry[]; total: number } {
  const where: string[] = []
  const values: SQLInputValue[] = []
  if (filter.tool !== undefined) where.push('tool = ?') && values.push(filter.tool)
  if (filter.outcome !== undefined) where.push('outcome = ?') && values.push(filter.outcome)
  if (filter.sessionId !== undefined) where.push('session_id = ?') && values.push(filter.sessionId)
  if (filter.identity === ANONYMOUS_IDENTITY) where.push('identity IS NULL')
  else if (filter.identity !== undefined) where.push('identity = ?') && values.push(filter.identity)
  if (filter.since !== undefined) where.push('time >= ?') && values.push(filter.since)
  if (filter.until !== undefined) where.push('time <= ?') && values.push(filter.until)
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM audit ${clause}`).get(...values) as { n: number }).n
  const rows = db
    .prepare(`SELECT * FROM audit ${clause} ORDER BY seq DESC LIMIT ? OFFSET ?`)
    .all(...values, filter.limit, filter.offset) as unknown as Row[]
  return { entries: rows.map(toEntry), total }
}

/** Walks the chain in order; the first entry whose links or hash do not hold is reported. */
export function verifyAudit(db: DatabaseSync): VerifyResult {
  let prev = GENESIS
  let expectedSeq = 1
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
  return { ok: true, checked }
}

/** Every entry in order. */
export function* auditEntries(db: DatabaseSync): Iterable<AuditEntry> {
  for (const row of db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as Iterable<Row>) {
    yield toEntry(row)
  }
}
