import { z } from 'zod'
import { DEFAULT_WAIT_MS, MAX_BATCH, MAX_WAIT_MS } from '../../../shared/task/defaults.ts'
import type { TaskRecord } from '../../../shared/task/types.ts'
import { TERMINAL_STATES } from '../../../shared/task/types.ts'
import { READS } from '../../../shared/tool/annotations.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import type { KindGuard } from '../../security/kind-guard.ts'
import type { TaskService } from '../../task-queue/index.ts'
import {
  MAX_INLINE_OUTPUT,
  outcomeOf,
  taskError,
  taskId,
  taskOutcome,
  taskSpec,
  taskView,
  viewWithOutput,
} from './schemas.ts'
import { taskDetail, viewDetail } from './task-detail.ts'

const waitTimeoutMs = z
  .number()
  .int()
  .min(0)
  .max(MAX_WAIT_MS)
  .default(DEFAULT_WAIT_MS)
  .describe(
    `How long to wait for the result (at most ${MAX_WAIT_MS / 1000} s, so the answer arrives before a typical client's 60 s request timeout); the task keeps running afterwards: wait again with p2p_taskqueue_wait`,
  )

const reason = z
  .string()
  .optional()
  .describe(
    'When the wait timed out: why the task has not finished (no connected worker announces its kind, all capable workers busy, queued behind N tasks, running on a worker)',
  )

/** Why the waited-for tasks are not all finished, when the wait timed out. */
function whyUnfinished(tasks: TaskService, waited: readonly TaskRecord[], timedOut: boolean) {
  const open = waited.filter((t) => !TERMINAL_STATES.has(t.state))
  const first = open[0]
  if (!timedOut || first === undefined) return {}
  const why = tasks.pendingReason(first) ?? first.state
  return {
    reason:
      waited.length === 1 ? why : `${open.length} of ${waited.length} tasks unfinished; the first: ${why}`,
  }
}

export function submitWaitTools(tasks: TaskService, guardKind: KindGuard) {
  const submit = defineTool({
    name: 'p2p_taskqueue_submit',
    category: 'p2p_taskqueue',
    description:
      "Submit a task (kind + input) or a batch of tasks to the durable P2P queue, from which browser workers (volunteers' tabs) and Node workers take them; returns task ids, or with wait the results",
    input: taskSpec
      .partial({ kind: true })
      .extend({
        tasks: z.array(taskSpec).min(1).max(MAX_BATCH).optional().describe('Batch form: several task specs'),
        wait: z
          .boolean()
          .default(false)
          .describe('Wait for the results (progress is reported while waiting)'),
        waitTimeoutMs,
      })
      .superRefine((v, ctx) => {
        if ((v.kind === undefined) === (v.tasks === undefined)) {
          ctx.addIssue({
            code: 'custom',
            path: ['kind'],
            message: 'give either kind (one task) or tasks (a batch)',
          })
        }
      }),
    output: z.object({
      tasks: z.array(z.object({ id: z.string(), created: z.boolean(), state: z.string() })),
      results: z.array(taskOutcome).optional().describe('With wait: each task outcome, in submission order'),
      timedOut: z.boolean().optional(),
      reason,
      warning: z
        .string()
        .optional()
        .describe('Under tasks.unknownKinds warn: a kind no worker has ever announced (likely a typo)'),
    }),
    example: { kind: 'sha256', input: { text: 'hello' }, priority: 5, wait: true },
    annotations: { title: 'Submit tasks', readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    handlers: {
      local: async (input, ctx) => {
        const { tasks: batch, wait, waitTimeoutMs: timeoutMs, ...single } = input
        const specs = batch ?? [{ ...single, kind: single.kind as string }]
        for (const kind of new Set(specs.map((spec) => spec.kind))) guardKind(kind, ctx.caller)
        const { tasks: submitted, warning } = await tasks.submitAs(specs, {
          tool: 'p2p_taskqueue_submit',
          identity: ctx.caller.identity,
        })
        const ids = submitted.map((s) => ({ id: s.task.id, created: s.created, state: s.task.state }))
        const notes = warning === undefined ? {} : { warning }
        if (!wait) return { tasks: ids, ...notes }
        const deadline = { signal: ctx.signal, timeoutMs }
        let finished = 0
        const waited = await tasks.waitMany(
          submitted.map((s) => s.task),
          ids.length === 1
            ? { ...deadline, onProgress: ctx.progress }
            : { ...deadline, onFinished: () => ctx.progress(++finished, ids.length, `${finished} finished`) },
        )
        return {
          tasks: ids,
          results: await Promise.all(waited.tasks.map((task) => outcomeOf(tasks, task))),
          timedOut: waited.timedOut,
          ...whyUnfinished(tasks, waited.tasks, waited.timedOut),
          ...notes,
        }
      },
    },
  })

  const wait = defineTool({
    name: 'p2p_taskqueue_wait',
    category: 'p2p_taskqueue',
    description:
      'Wait until a task finishes and return it with its output; sends progress notifications meanwhile',
    input: z.object({ taskId, timeoutMs: waitTimeoutMs }),
    output: z.object({ task: taskView, timedOut: z.boolean(), reason }),
    annotations: { title: 'Wait for a task', ...READS },
    handlers: {
      local: async ({ taskId: id, timeoutMs }, ctx) => {
        const { task, timedOut } = await tasks.wait(id, {
          signal: ctx.signal,
          timeoutMs,
          onProgress: ctx.progress,
        })
        return {
          task: await viewWithOutput(tasks, task, tasks.progress(task)),
          timedOut,
          ...whyUnfinished(tasks, [task], timedOut),
        }
      },
    },
  })

  const status = defineTool({
    name: 'p2p_taskqueue_status',
    category: 'p2p_taskqueue',
    description:
      'State of a task: queued, leased, running, succeeded, failed or cancelled, with progress, its input (or input CID) and the history of its attempts with their workers, times and errors',
    input: z.object({ taskId }),
    output: taskDetail,
    annotations: { title: 'Task status', readOnlyHint: true, idempotentHint: false, openWorldHint: false },
    handlers: {
      local: async ({ taskId: id }) => {
        return viewDetail(tasks, tasks.require(id))
      },
    },
  })

  const getResult = defineTool({
    name: 'p2p_taskqueue_get_result',
    category: 'p2p_taskqueue',
    description:
      "A task's result without waiting: ready is false until it finishes; failed tasks carry their error",
    input: z.object({ taskId }),
    output: z.object({
      taskId: z.string(),
      state: z.string(),
      ready: z.boolean(),
      output: z.unknown().optional(),
      outputCid: z.string().nullable(),
      error: taskError.nullable(),
    }),
    annotations: { title: 'Task result', readOnlyHint: true, idempotentHint: false, openWorldHint: false },
    handlers: {
      local: async ({ taskId: id }) => {
        const task = tasks.require(id)
        const ready = TERMINAL_STATES.has(task.state)
        return {
          taskId: id,
          state: task.state,
          ready,
          ...(task.state === 'succeeded' ? { output: await tasks.output(task, MAX_INLINE_OUTPUT) } : {}),
          outputCid: task.outputCid,
          error: ready ? task.error : null,
        }
      },
    },
  })

  return [submit, wait, status, getResult]
}
