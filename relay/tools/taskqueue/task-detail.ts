import { z } from 'zod'
import type { TaskRecord } from '../../../shared/task/types.ts'
import type { TaskService } from '../../task-queue/index.ts'
import { ATTEMPT_OUTCOMES } from '../../task-queue/store/task-attempts.ts'
import { taskError, taskView, viewTask } from './schemas.ts'

/** Inline inputs up to this size (serialized JSON) are returned by p2p_taskqueue_status. */
export const MAX_SHOWN_INPUT = 64 * 1024

const attemptView = z.object({
  attempt: z
    .number()
    .int()
    .describe('Attempt number under this lease (a lease given back shares its number with the next)'),
  workerId: z
    .string()
    .nullable()
    .describe('The worker that held the lease (null when a member relay ran it)'),
  relay: z.string().nullable().describe('The member relay (peer id) the task was handed to, if any'),
  startedAt: z.number().nullable().describe('When the worker started the attempt (else when it was leased)'),
  endedAt: z.number().describe('When the lease ended'),
  outcome: z
    .enum(ATTEMPT_OUTCOMES)
    .describe(
      'succeeded, failed or cancelled: the task ended; requeued: it went back to the queue (a retried failure, a lost worker, an expired lease); returned: the attempt was given back (relay stop, refused hand-off); answered: a quorum answer counted, another is needed',
    ),
  error: taskError.nullable(),
})

/** What p2p_taskqueue_status returns: the task, its input when small, and its attempt history. */
export const taskDetail = taskView.extend({
  input: z
    .unknown()
    .optional()
    .describe(
      `The inline input, when its JSON is at most ${MAX_SHOWN_INPUT} bytes (else see inputTooLarge or inputCid)`,
    ),
  inputTooLarge: z
    .object({ bytes: z.number().int(), limit: z.number().int() })
    .optional()
    .describe('The inline input was left out: its size and the limit'),
  attempts: z
    .array(attemptView)
    .describe(
      'Ended leases, oldest first (at most max attempts + 16 are kept, the newest); the current lease is not listed',
    ),
})

export function viewDetail(tasks: TaskService, task: TaskRecord): z.infer<typeof taskDetail> {
  const view = viewTask(task, { progress: tasks.progress(task) })
  const attempts = tasks.attempts(task)
  if (task.inputCid !== null) return { ...view, attempts }
  const bytes = Buffer.byteLength(JSON.stringify(task.input ?? null))
  return bytes <= MAX_SHOWN_INPUT
    ? { ...view, input: task.input, attempts }
    : { ...view, inputTooLarge: { bytes, limit: MAX_SHOWN_INPUT }, attempts }
}
