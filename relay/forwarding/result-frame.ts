import type { TaskErrorCode } from '../../shared/task/error-codes.ts'
import type { ForwardFrame } from '../../shared/wire/forward-messages.ts'
import type { TaskService } from '../task-queue/index.ts'
import type { ForwardedRecord } from '../task-queue/relay-side.ts'

/** Failures that would repeat anywhere: the owner fails the task instead of running it elsewhere. */
const FINAL: ReadonlySet<TaskErrorCode> = new Set(['INVALID_INPUT', 'MEMORY_LIMIT', 'WASM_TRAP', 'NO_QUORUM'])

/**
 * A finished forwarded task as its result for the owner, under the owner's fence. An
 * output stored as a block travels inline (forwarded tasks' outputs are bounded by
 * the frame; larger ones are a known gap, see index.ts).
 */
export async function resultFrame(tasks: TaskService, held: ForwardedRecord): Promise<ForwardFrame> {
  const { task, origin } = held
  const base = { type: 'result' as const, taskId: origin.remoteId, fence: origin.fence }
  if (task.state === 'succeeded') {
    return { ...base, ok: true, output: (await tasks.output(task)) ?? null, verification: task.verification }
  }
  const error = task.error ?? { code: 'TASK_FAILED', message: `the task ended ${task.state}` }
  return {
    ...base,
    ok: false,
    error,
    retryable: !FINAL.has(error.code),
    verification: task.verification,
  }
}
