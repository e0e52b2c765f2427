import type { WorkerEvent, WorkerStats } from './worker-events.ts'

/**
 * Turns the per-task event stream into what a UI needs: state changes at once, and
 * task activity as a stats snapshot at most every `intervalMs` (a page that repainted
 * per task would cost the tab more than the tasks do).
 */
export function throttledEvents(
  stats: () => WorkerStats | null,
  emit: (event: WorkerEvent) => void,
  intervalMs = 100,
): (event: WorkerEvent) => void {
  let scheduled = false
  const flush = () => {
    scheduled = false
    const snapshot = stats()
    if (snapshot) emit({ type: 'stats', stats: snapshot })
  }
  return (event) => {
    if (event.type === 'state') {
      emit(event)
      return
    }
    if (scheduled) return
    scheduled = true
    setTimeout(flush, intervalMs)
  }
}
