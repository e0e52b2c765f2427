import { McppError } from '../errors.ts'

/**
 * Retention of finished tasks (issue 16): pure decisions, the SQL that acts on them is
 * relay/task-queue/store/task-retention.ts. Finished rows are ordered by when they
 * finished, then by seq; a position in that order is what both limits are turned into.
 */
export interface FinishedPosition {
  finishedAt: number
  seq: number
}

export interface RetentionLimits {
  /** Finished tasks older than this are removed. */
  maxAgeMs: number
  /** At most this many finished tasks are kept; the oldest go first. */
  maxCount: number
}

/** Compares two positions in the finished order. */
export function comparePositions(a: FinishedPosition, b: FinishedPosition): number {
  return a.finishedAt === b.finishedAt ? a.seq - b.seq : a.finishedAt - b.finishedAt
}

/**
 * The last position (inclusive) a sweep removes: every finished row at or before it is
 * too old or beyond the count. `countBoundary` is the newest row beyond the count (the
 * (maxCount + 1)-th newest), undefined when no more than maxCount are kept. Rows that
 * finished before `now - maxAgeMs` are too old; both limits cut the same order, so the
 * later of the two cuts is the one bound a sweep walks up to, in one index range.
 */
export function removalBound(
  now: number,
  limits: Pick<RetentionLimits, 'maxAgeMs'>,
  countBoundary: FinishedPosition | undefined,
): FinishedPosition {
  const byAge = { finishedAt: now - limits.maxAgeMs - 1, seq: Number.MAX_SAFE_INTEGER }
  if (countBoundary === undefined) return byAge
  return comparePositions(countBoundary, byAge) > 0 ? countBoundary : byAge
}

/**
 * The answer for a task that retention removed: NOT_FOUND, with the reason and when,
 * so a caller can tell "expired" from "never existed" (issue 16).
 */
export function expiredTaskError(taskId: string, expiredAt: number): McppError {
  const when = new Date(expiredAt).toISOString()
  return new McppError(
    'NOT_FOUND',
    `task "${taskId}" expired at ${when}: finished tasks are kept for a limited time and count (retention)`,
    { taskId, reason: 'expired', expiredAt: when },
  )
}
