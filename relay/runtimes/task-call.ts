import { McppError } from '../../shared/errors.ts'
import { mcppCodeOf } from '../../shared/task/error-codes.ts'
import type { TaskError, TaskRecord } from '../../shared/task/types.ts'
import type { ToolContext } from '../../shared/tool/types.ts'
import type { TaskService } from '../task-queue/index.ts'
import { Verified } from './runtime-backend.ts'

/**
 * A tool call's task, once queued here, until it ends: its output (with how it was
 * checked) or its failure as the call's error. A cancelled call cancels the task (on a
 * worker or a member relay alike), except when the relay's own stop cut it: then the
 * task stays queued for the next relay, and the error names it (taskId).
 */
export async function awaitTaskCall(tasks: TaskService, id: string, ctx: ToolContext): Promise<Verified> {
  try {
    const { task } = await tasks.wait(id, { signal: ctx.signal, onProgress: ctx.progress })
    if (task.state === 'succeeded') {
      const verification = task.verification ?? { trust: task.trust.level, verified: false, workers: [] }
      return new Verified(await tasks.output(task), verification)
    }
    throw taskFailure(task)
  } catch (err) {
    const reason: unknown = ctx.signal.reason
    if (ctx.signal.aborted && reason instanceof McppError && reason.code === 'SHUTTING_DOWN') {
      // Queued P2P tasks stay durable: the next relay runs this one, and the client
      // fetches its result by id.
      throw new McppError(
        'SHUTTING_DOWN',
        `${reason.message}; its P2P task ${id} stays queued: p2p_taskqueue_get_result fetches its result later`,
        { taskId: id },
      )
    }
    if (ctx.signal.aborted) tasks.cancel(id, 'the tool call was cancelled')
    throw err
  }
}

/** A task that did not succeed, as the error its tool call ends with (one translation: mcppCodeOf). */
function taskFailure(task: TaskRecord): McppError {
  const error: TaskError = task.error ?? { code: 'TASK_FAILED', message: `task ${task.state}` }
  return new McppError(mcppCodeOf(error.code), `P2P task ${task.id} ${task.state}: ${error.message}`, {
    taskId: task.id,
    taskError: error,
  })
}
