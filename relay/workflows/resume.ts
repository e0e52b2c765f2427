import type { TaskError } from '../../shared/task/types.ts'
import type { Logger } from '../log.ts'
import type { WorkflowStore } from '../task-queue/store/workflow-store.ts'

const PAGE = 500
const ITEM_PAGE = 1000
const RESTARTED: TaskError = { code: 'RELAY_RESTARTED', message: 'the relay restarted during this tool call' }

/**
 * After a restart (issue 12, "survive crashes"): every running workflow resumes where
 * it was. Task steps keep their tasks (the queue re-queued their leases and fences the
 * old ones); a tool call that was running died with the process, so its attempt ends
 * as failed and the step is retried under its policy (or fails when none are left).
 * Returns the running workflows' ids, for the engine to advance.
 */
export function resumeRunning(store: WorkflowStore, log: Logger): string[] {
  const ids: string[] = []
  let cursor: number | undefined
  for (;;) {
    const page = store.list({ state: 'running', limit: PAGE, ...(cursor === undefined ? {} : { cursor }) })
    ids.push(...page.workflows.map((w) => w.id))
    if (page.nextCursor === null) break
    cursor = page.nextCursor
  }
  let retried = 0
  for (const id of ids) retried += endDeadCalls(store, id)
  if (ids.length > 0)
    log.info('resuming running workflows', { workflows: ids.length, toolCallsRetried: retried })
  return ids
}

function endDeadCalls(store: WorkflowStore, id: string): number {
  const detail = store.get(id)
  if (detail === undefined) return 0
  let ended = 0
  for (const step of detail.steps) {
    if (step.state !== 'running') continue
    if (step.type === 'tool') {
      if (store.attempts.finishStep(id, step.stepId, step.attempt, { state: 'failed', error: RESTARTED }).ok)
        ended++
    } else if (step.type === 'map') {
      for (let from = 0; ; from += ITEM_PAGE) {
        const items = store.attempts.items(id, step.stepId, from, ITEM_PAGE)
        for (const item of items) {
          if (item.state !== 'running' || item.taskId !== null) continue
          const outcome = { state: 'failed' as const, error: RESTARTED }
          if (store.attempts.finishItem(id, step.stepId, item.index, item.attempt, outcome).ok) ended++
        }
        if (items.length < ITEM_PAGE) break
      }
    }
  }
  return ended
}
