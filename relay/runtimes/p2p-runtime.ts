import { NotAcceptedError } from '../../shared/errors.ts'
import { DEFAULT_TASK_TIMEOUT_MS } from '../../shared/task/defaults.ts'
import type { Tool } from '../../shared/tool/types.ts'
import type { TaskService } from '../task-queue/index.ts'
import type { RuntimeBackend } from './runtime-backend.ts'
import { awaitTaskCall } from './task-call.ts'

/** Per-attempt limit of a P2P task for a tool that also runs on the relay (runtime auto). */
const AUTO_TASK_TIMEOUT_MS = 15_000

/**
 * A tool that could have run here must not hang on a stalling worker: a short limit and
 * one retry. After a timeout the worker no longer counts as dependable, so the next
 * calls run locally (issue 9).
 */
export function taskLimits(tool: Tool): { maxAttempts: number; timeoutMs: number } {
  return {
    maxAttempts: tool.handlers.local ? 2 : 3,
    timeoutMs: tool.timeoutMs ?? (tool.handlers.local ? AUTO_TASK_TIMEOUT_MS : DEFAULT_TASK_TIMEOUT_MS),
  }
}

/**
 * Runs a tool as a P2P task: the tool's `taskKind` with its validated input, on a
 * connected worker that runs that kind. It refuses (so the router may fall back)
 * only before submitting; once the task is queued the call belongs to P2P, and a
 * cancelled call cancels the task, except when the relay's own stop cut it: then the
 * task stays queued for the next relay, and the error names it (taskId).
 */
export function p2pRuntime(tasks: TaskService, available: () => boolean): RuntimeBackend {
  return {
    id: 'p2p',
    // The P2P subsystem (node + queue) is up even with no workers: queue tools work and
    // tasks wait. Task-kind tools go to P2P only when a worker runs their kind (taskKinds).
    status: () =>
      available()
        ? { available: true, taskKinds: tasks.taskKinds(), load: tasks.kindLoads() }
        : { available: false, reason: 'the libp2p node is not running', taskKinds: new Set<string>() },
    execute: async (tool, input, ctx) => {
      const kind = tool.taskKind
      if (kind === undefined) throw new NotAcceptedError(`${tool.name} has no P2P task kind`)
      const subject = { tool: tool.name, identity: ctx.caller.identity }
      // An authenticated client's input is its data: volunteers see it only where the operator allows.
      const membersOnly = !tasks.volunteersMaySee(subject)
      if (!tasks.taskKinds({ membersOnly }).has(kind)) {
        throw new NotAcceptedError(
          `no dependable ${membersOnly ? 'member ' : ''}worker runs task kind "${kind}"${membersOnly ? ` (calls to ${tool.name} by authenticated clients stay off volunteers: workers.volunteerTools)` : ''}`,
        )
      }
      const {
        tasks: [submitted],
      } = await tasks.submitAs(
        [{ kind, input, ...taskLimits(tool), metadata: { tool: tool.name } }],
        subject,
        { membersOnly },
      )
      const id = (submitted as { task: { id: string } }).task.id
      return awaitTaskCall(tasks, id, ctx)
    },
  }
}
