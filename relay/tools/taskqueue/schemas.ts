import { z } from 'zod'
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_TASK_TIMEOUT_MS,
  MAX_TASK_TIMEOUT_MS,
} from '../../../shared/task/defaults.ts'
import { TASK_ERROR_CODES } from '../../../shared/task/error-codes.ts'
import type { TaskRecord } from '../../../shared/task/types.ts'
import { TASK_STATES } from '../../../shared/task/types.ts'
import { freeForm, freeValue } from '../../../shared/tool/free-form.ts'
import { formatTrust } from '../../../shared/trust/trust-policy.ts'
import { trustText } from '../../../shared/trust/trust-text.ts'
import type { TaskService } from '../../task-queue/index.ts'

export const TASKQUEUE_CATEGORY = {
  name: 'p2p_taskqueue',
  description:
    'The durable P2P task queue: submit tasks that run on browser and Node workers, wait for results, manage tasks and workers',
}

export const taskId = z.string().min(1).max(128).describe('Task id')
export const taskState = z.enum(TASK_STATES as [TaskRecord['state'], ...TaskRecord['state'][]])
const name = z.string().min(1).max(64)
/** The submitter's own notes on a task; the relay stores and returns them. */
export const taskMetadata = freeForm(
  z.record(z.string(), z.unknown()),
  'Your own JSON fields about the task (free-form: stored with it and returned as given)',
)

export const taskSpec = z.strictObject({
  kind: name.describe('Task kind: echo, sha256, embed, wasm (or any kind a worker announces)'),
  input: freeValue(z.unknown(), 'JSON input for the kind').optional(),
  priority: z
    .number()
    .int()
    .min(-1000)
    .max(1000)
    .default(0)
    .describe('Higher runs first; FIFO within a priority'),
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(DEFAULT_MAX_ATTEMPTS)
    .describe('Attempts before failing'),
  timeoutMs: z
    .number()
    .int()
    .min(1)
    .max(MAX_TASK_TIMEOUT_MS)
    .default(DEFAULT_TASK_TIMEOUT_MS)
    .describe('Per-attempt time limit'),
  idempotencyKey: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('Submitting the same key again returns the same task'),
  requires: z
    .array(name)
    .max(32)
    .default([])
    .describe(
      'Capabilities a worker must announce (mcpp:member: only workers admitted by join token or allowlist)',
    ),
  trust: trustText
    .optional()
    .describe(
      "How workers' answers are checked: any, quorum:K (K distinct workers agree) or spot-check:RATE (the relay recomputes a sample); the operator's policy is the floor",
    ),
  tags: z
    .array(z.string().max(64))
    .max(32)
    .default([])
    .describe('Labels to find the task by (p2p_taskqueue_list_tasks tag)'),
  metadata: taskMetadata.default({}),
})

export const taskError = z
  .object({
    code: z.enum(TASK_ERROR_CODES).describe('A declared task error code (shared/task/error-codes.ts)'),
    message: z.string(),
  })
  .describe('Why the task (or its last attempt) failed')
const progress = z.object({
  progress: z.number(),
  total: z.number().optional(),
  message: z.string().optional(),
})

const verification = z
  .object({
    trust: z.string(),
    verified: z.boolean(),
    workers: z.array(z.string()),
    dissent: z.array(z.string()).optional(),
    recomputedBy: z.string().optional(),
  })
  .nullable()
  .describe(
    'How the result was checked: trust level, whether more than one party computed it, the workers whose answer it is',
  )

/** A task as tools report it (input and output included only where asked). */
export const taskView = z.object({
  id: z.string(),
  kind: z.string(),
  state: taskState,
  priority: z.number().int(),
  attempt: z.number().int(),
  maxAttempts: z.number().int(),
  timeoutMs: z.number().int(),
  idempotencyKey: z.string().nullable(),
  requires: z.array(z.string()),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  createdAt: z.number(),
  updatedAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  workerId: z.string().nullable(),
  progress: progress.nullable(),
  error: taskError.nullable(),
  previousId: z.string().nullable(),
  inputCid: z.string().nullable(),
  outputCid: z.string().nullable(),
  output: z.unknown().optional(),
  trust: z.string().describe('any, quorum:K or spot-check:RATE'),
  answers: z.number().int().describe('Quorum answers collected so far'),
  verification,
  submitter: z.string().nullable(),
})

export type TaskView = z.infer<typeof taskView>

/** What a submit with `wait` returns per task: its outcome, lean (status has the rest). */
export const taskOutcome = z.object({
  id: z.string(),
  kind: z.string(),
  state: taskState,
  attempt: z.number().int(),
  output: z.unknown().optional(),
  outputCid: z.string().nullable(),
  error: taskError.nullable(),
  verification,
})

export function viewTask(
  task: TaskRecord,
  options: { output?: unknown; progress?: TaskRecord['progress'] } = {},
): TaskView {
  const {
    seq: _seq,
    input: _input,
    output: _output,
    leaseToken: _t,
    leaseExpiresAt: _l,
    notBefore: _n,
    trust,
    votes,
    ...rest
  } = task
  return {
    ...rest,
    trust: formatTrust(trust),
    answers: votes.length,
    progress: options.progress ?? task.progress,
    ...('output' in options ? { output: options.output } : {}),
  }
}

/** Outputs up to this size are returned inline even when they travelled as a CID. */
export const MAX_INLINE_OUTPUT = 4 * 1024 * 1024

export async function outcomeOf(tasks: TaskService, task: TaskRecord): Promise<z.infer<typeof taskOutcome>> {
  const output = task.state === 'succeeded' ? await tasks.output(task, MAX_INLINE_OUTPUT) : undefined
  return {
    id: task.id,
    kind: task.kind,
    state: task.state,
    attempt: task.attempt,
    ...(output === undefined ? {} : { output }),
    outputCid: task.outputCid,
    error: task.state === 'succeeded' ? null : task.error,
    verification: task.verification,
  }
}

/** A task with its output (resolved from the blockstore when it travelled as a CID). */
export async function viewWithOutput(
  tasks: TaskService,
  task: TaskRecord,
  progress?: TaskRecord['progress'],
) {
  const output = task.state === 'succeeded' ? await tasks.output(task, MAX_INLINE_OUTPUT) : undefined
  return viewTask(task, { output, ...(progress === undefined ? {} : { progress }) })
}
