import type { TaskOrigin, WorkerStats } from '../../worker/core/worker-events.ts'

/** "the tool text_embed", "step embed of workflow 3f2a…", or a task submitted directly. */
export function originText(origin: TaskOrigin | undefined): string {
  if (origin?.workflowId !== undefined)
    return `step ${origin.stepId ?? '?'} of workflow ${origin.workflowId.slice(0, 8)}`
  if (origin?.tool !== undefined) return `the tool ${origin.tool}`
  return 'a task submitted to the queue'
}

/** What the tab is computing now, in words. */
export function currentText(stats: WorkerStats, pausedBecause: readonly string[]): string {
  const task = stats.inFlight.find((t) => t.started) ?? stats.inFlight[0]
  if (task) {
    const more = stats.inFlight.length - 1
    return `${task.kind} for ${originText(task.origin)}${more > 0 ? ` (+${more} more held)` : ''}`
  }
  const last = stats.last ? ` (last: ${stats.last.kind} for ${originText(stats.last.origin)})` : ''
  if (stats.paused) return `paused: ${pausedBecause.join(' and ') || 'stopping'}${last}`
  if (stats.state !== 'connected') return `nothing (${stats.state})${last}`
  return `waiting for work${last}`
}
