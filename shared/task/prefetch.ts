/**
 * How much of its announced buffer (prefetch) a worker gets. A buffer hides the
 * round trip between a worker reporting results and the relay refilling it; for
 * short tasks that takes many tasks, for long ones it would only hoard work other
 * workers could run. So the buffer covers about PREFETCH_COVER_MS of the worker's
 * observed task time across its compute slots, and at least one task.
 */
export const PREFETCH_COVER_MS = 25

/** Weight of the newest task duration in a worker's running mean. */
export const DURATION_EWMA_WEIGHT = 0.1

export function prefetchAllowance(
  announced: number,
  slots: number,
  meanTaskMs: number | null,
  coverMs = PREFETCH_COVER_MS,
): number {
  if (announced <= 0) return 0
  // Nothing measured yet: as much buffer as there are slots, like a fixed prefetch.
  if (meanTaskMs === null) return Math.min(announced, Math.max(1, slots))
  const covering = Math.ceil((Math.max(1, slots) * coverMs) / Math.max(meanTaskMs, 0.01))
  return Math.min(announced, Math.max(1, covering))
}

/** Exponentially weighted running mean of task durations (null until the first one). */
export function nextMeanMs(mean: number | null, durationMs: number, weight = DURATION_EWMA_WEIGHT): number {
  return mean === null ? durationMs : mean + weight * (durationMs - mean)
}
