import { existsSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import type { AuditEntry, AuditFilter } from './audit-entry.ts'
import { auditEntries, countAudit, filters, pageAudit, verifySegment } from './audit-read.ts'

/**
 * Reads across the audit log's segments (issue 16). They run on a compute thread, so
 * they get the layout as plain data (`AuditLog.layout()`) and open each segment with
 * their own read-only connection (WAL lets them read the active one beside the writer).
 */
export interface SegmentRef {
  number: number
  path: string
  /** The head hash of the previous segment, which this segment's first entry links to. */
  anchor: string
  firstSeq: number
  /** What the manifest recorded when the segment was sealed; null for the active segment. */
  sealed: { lastSeq: number; entries: number; head: string } | null
}

export interface AuditLayout {
  /** Where the chain on disk starts: genesis, or the head of the last removed segment. */
  from: { anchor: string; afterSeq: number; removedSegments: number }
  /** Oldest first; the last one is the active segment. */
  segments: SegmentRef[]
}

export interface VerifyResult {
  ok: boolean
  /** Entries whose links and hashes were checked. */
  checked: number
  /** Segments walked (a broken one included). */
  segments: number
  /** The anchor the walk started from. */
  from: AuditLayout['from']
  /** The seq of the first entry that does not hold. */
  brokenAt?: number
  /** The segment that holds it. */
  segment?: number
  problem?: string
}

function withDb<T>(path: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path, { readOnly: true })
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

/**
 * Walks the whole chain: each segment's anchor must be the previous segment's head (or
 * the recorded anchor of removed ones), its entries must link and hash, and a sealed
 * segment must end where the manifest says it did (a cut tail is a change too).
 */
export function verifyLayout(layout: AuditLayout): VerifyResult {
  const { from } = layout
  let at = { hash: from.anchor, seq: from.afterSeq }
  let checked = 0
  let walked = 0
  const broken = (segment: number, brokenAt: number, problem: string): VerifyResult => ({
    ok: false,
    checked,
    segments: walked,
    from,
    brokenAt,
    segment,
    problem,
  })
  for (const ref of layout.segments) {
    walked++
    if (ref.anchor !== at.hash)
      return broken(ref.number, ref.firstSeq, `segment ${ref.number} is not anchored to the head before it`)
    if (ref.firstSeq !== at.seq + 1)
      return broken(ref.number, at.seq + 1, `entries ${at.seq + 1} to ${ref.firstSeq - 1} are missing`)
    if (!existsSync(ref.path))
      return broken(
        ref.number,
        ref.firstSeq,
        `segment ${ref.number} is missing and was not removed by policy`,
      )
    const result = withDb(ref.path, (db) => verifySegment(db, at))
    checked += result.checked
    if (!result.ok) return broken(ref.number, result.brokenAt, result.problem)
    const sealed = ref.sealed
    if (sealed !== null && (result.last.seq !== sealed.lastSeq || result.last.hash !== sealed.head)) {
      return broken(
        ref.number,
        Math.min(result.last.seq + 1, sealed.lastSeq),
        `segment ${ref.number} ends at entry ${result.last.seq}, but was sealed at entry ${sealed.lastSeq} with another head`,
      )
    }
    at = result.last
  }
  return { ok: true, checked, segments: walked, from }
}

/** Matching entries across segments, newest first, paged as if the log were one table. */
export function queryLayout(
  layout: AuditLayout,
  filter: AuditFilter,
): { entries: AuditEntry[]; total: number } {
  const newestFirst = layout.segments.filter((s) => existsSync(s.path)).reverse()
  // A sealed segment's size is in the manifest: the latest entries cost one open, not one per segment.
  const counted = (s: SegmentRef) =>
    s.sealed !== null && !filters(filter) ? s.sealed.entries : withDb(s.path, (db) => countAudit(db, filter))
  const counts = newestFirst.map(counted)
  const total = counts.reduce((a, b) => a + b, 0)
  const entries: AuditEntry[] = []
  let offset = filter.offset
  for (const [i, ref] of newestFirst.entries()) {
    const limit = filter.limit - entries.length
    if (limit <= 0) break
    const count = counts[i] ?? 0
    if (offset >= count) {
      offset -= count
      continue
    }
    entries.push(...withDb(ref.path, (db) => pageAudit(db, { ...filter, limit, offset })))
    offset = 0
  }
  return { entries, total }
}

/** Every entry on disk in chain order, one segment open at a time. */
export function* layoutEntries(layout: AuditLayout): Iterable<AuditEntry> {
  for (const ref of layout.segments) {
    if (!existsSync(ref.path)) continue
    const db = new DatabaseSync(ref.path, { readOnly: true })
    try {
      yield* auditEntries(db)
    } finally {
      db.close()
    }
  }
}
