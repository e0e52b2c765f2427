import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { MAX_TASK_TIMEOUT_MS } from '../../../shared/task/defaults.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import type { KindGuard } from '../../security/kind-guard.ts'
import { DEFAULT_TASK_ORDER, TASK_ORDERS, type TaskService } from '../../task-queue/index.ts'
import { decodeCursor, encodeCursor, MAX_CURSOR_LENGTH } from './list-cursor.ts'
import { taskId, taskMetadata, taskState, taskView, viewTask } from './schemas.ts'

const MUTATES = { readOnlyHint: false, destructiveHint: false, openWorldHint: false } as const

/** Turns a store refusal into a clear tool error. */
function refused(id: string, reason: string): never {
  if (reason === 'not_found') throw new McppError('NOT_FOUND', `no task with id "${id}"`, { taskId: id })
  throw new McppError('CONFLICT', `task ${id}: ${reason.replaceAll('_', ' ')}`, { taskId: id, reason })
}

export function manageTools(tasks: TaskService, guardKind: KindGuard) {
  const cancel = defineTool({
    name: 'p2p_taskqueue_cancel',
    category: 'p2p_taskqueue',
    description:
      'Cancel a queued or running task; a running task is stopped on its worker and its late result is ignored',
    input: z.object({
      taskId,
      reason: z.string().max(256).optional().describe('Why, recorded with the task'),
    }),
    output: z.object({ task: taskView, wasRunning: z.boolean() }),
    annotations: {
      title: 'Cancel a task',
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: false,
    },
    handlers: {
      local: async ({ taskId: id, reason }) => {
        const result = tasks.cancel(id, reason)
        if (!result.ok) refused(id, result.reason)
        return { task: viewTask(result.task), wasRunning: result.wasActive }
      },
    },
  })

  const list = defineTool({
    name: 'p2p_taskqueue_list_tasks',
    category: 'p2p_taskqueue',
    description:
      'List tasks filtered by state, kind, worker or tag, sorted across all pages (newest, oldest, priority), with cursor paging and counts by state',
    input: z.object({
      states: z.array(taskState).optional().describe('Only these states'),
      kind: z.string().optional().describe('Only tasks of this kind'),
      workerId: z.string().optional().describe('Only tasks this worker ran or runs'),
      tag: z.string().optional().describe('Only tasks with this tag'),
      sort: z
        .enum(TASK_ORDERS)
        .default(DEFAULT_TASK_ORDER)
        .describe(
          'newest or oldest submitted first; priority: highest first, FIFO within a priority (the order the queue runs them); lowest-priority: that order reversed',
        ),
      limit: z.number().int().min(1).max(500).default(50).describe('Tasks listed at most'),
      cursor: z
        .string()
        .max(MAX_CURSOR_LENGTH)
        .optional()
        .describe(
          "A page's nextCursor: the tasks after that page in the same sort (stable while tasks are added or change)",
        ),
      offset: z
        .number()
        .int()
        .min(0)
        .default(0)
        .describe('Tasks skipped first (offset paging; not with cursor)'),
    }),
    output: z.object({
      tasks: z.array(taskView),
      total: z.number().int(),
      nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page'),
      counts: z.record(z.string(), z.number().int()),
    }),
    annotations: { title: 'List tasks', readOnlyHint: true, idempotentHint: false, openWorldHint: false },
    handlers: {
      local: async ({ sort, cursor, offset, ...filter }) => {
        if (cursor !== undefined && offset > 0) {
          throw new McppError('INVALID_PARAMS', 'give cursor or offset, not both', { cursor, offset })
        }
        const after = cursor === undefined ? undefined : decodeCursor(cursor, sort)
        const page = tasks.list({ ...filter, order: sort, offset, after })
        return {
          tasks: page.tasks.map((t) => viewTask(t)),
          total: page.total,
          nextCursor: page.next === null ? null : encodeCursor(sort, page.next),
          counts: tasks.counts(),
        }
      },
    },
  })

  const resubmit = defineTool({
    name: 'p2p_taskqueue_resubmit',
    category: 'p2p_taskqueue',
    description: 'Submit a failed or cancelled task again as a new task linked to the old one (previousId)',
    input: z.object({ taskId }),
    output: z.object({ task: taskView, previousId: z.string() }),
    annotations: { title: 'Resubmit a task', ...MUTATES, idempotentHint: false },
    handlers: {
      local: async ({ taskId: id }, ctx) => {
        guardKind(tasks.require(id).kind, ctx.caller)
        const result = tasks.resubmit(id, { tool: 'p2p_taskqueue_resubmit', identity: ctx.caller.identity })
        if (!result.ok) refused(id, result.reason)
        return { task: viewTask(result.task), previousId: id }
      },
    },
  })

  const priority = defineTool({
    name: 'p2p_taskqueue_priority',
    category: 'p2p_taskqueue',
    description: "Change a queued task's priority (higher runs first)",
    input: z.object({
      taskId,
      priority: z.number().int().min(-1000).max(1000).describe('The new priority; higher runs first'),
    }),
    output: taskView,
    annotations: { title: 'Set task priority', ...MUTATES, idempotentHint: true },
    handlers: {
      local: async ({ taskId: id, priority: value }) => {
        const result = tasks.setPriority(id, value)
        if (!result.ok) refused(id, result.reason)
        return viewTask(result.task)
      },
    },
  })

  const update = defineTool({
    name: 'p2p_taskqueue_update_task',
    category: 'p2p_taskqueue',
    description: 'Update the tags, metadata, timeout or attempt limit of a task that is not running yet',
    input: z.object({
      taskId,
      tags: z.array(z.string().max(64)).max(32).optional().describe('The new tags (replace the old)'),
      metadata: taskMetadata.optional(),
      timeoutMs: z
        .number()
        .int()
        .min(1)
        .max(MAX_TASK_TIMEOUT_MS)
        .optional()
        .describe('The new per-attempt time limit'),
      maxAttempts: z.number().int().min(1).max(100).optional().describe('The new attempt limit'),
    }),
    output: taskView,
    annotations: { title: 'Update a task', ...MUTATES, idempotentHint: true },
    handlers: {
      local: async ({ taskId: id, ...patch }, ctx) => {
        guardKind(tasks.require(id).kind, ctx.caller)
        const result = tasks.update(id, patch)
        if (!result.ok) refused(id, result.reason)
        return viewTask(result.task)
      },
    },
  })

  return [cancel, list, resubmit, priority, update]
}
