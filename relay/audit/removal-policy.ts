import type { SealedSegment } from './manifest.ts'

export interface RemovalPolicy {
  /** An exported segment is removed this long after its export (seconds). */
  removeExportedAfterSeconds: number
  /** Exported segments are also removed, oldest first, while more than this many are sealed; 0: no count limit. */
  maxSealedSegments: number
}

/**
 * How many of the oldest sealed segments policy removes now. Only a prefix goes, so the
 * chain left on disk starts from one recorded anchor; an unexported segment is never
 * removed, and it holds back the ones after it.
 */
export function segmentsToRemove(
  sealed: readonly SealedSegment[],
  now: number,
  policy: RemovalPolicy,
): number {
  let remove = 0
  for (const segment of sealed) {
    if (segment.exportedAt === null) break
    const aged = now - segment.exportedAt >= policy.removeExportedAfterSeconds * 1000
    const over = policy.maxSealedSegments > 0 && sealed.length - remove > policy.maxSealedSegments
    if (!aged && !over) break
    remove++
  }
  return remove
}
