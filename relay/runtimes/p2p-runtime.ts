import { McppError, NotAcceptedError } from '../../shared/errors.ts'
import type { TaskService } from '../tasks/task-service.ts'
import type { RuntimeBackend } from './runtime-backend.ts'

/**
 * Runs a tool as a P2P task: the tool's `taskKind` with its validated input, on a
 * connected worker that runs that kind. It refuses (so the router may fall back)
 * only before submitting; once the task is queued the call belongs to P2P, and a
 * cancelled call cancels the task.
 */
export function p2pRuntime(tasks: TaskService, available: () => boolean): RuntimeBackend {
  return {
    id: 'p2p',
    // The P2P subsystem (node + queue) is up even with no workers: queue tools work and
    // tasks wait. Task-kind tools go to P2P only when a worker runs their kind (taskKinds).
    status: () =>
      available()
        ? { available: true, taskKinds: tasks.registry.taskKinds() }
        : { available: false, reason: 'the libp2p node is not running', taskKinds: new Set<string>() },
    execute: async (tool, input, ctx) => {
      const kind = tool.taskKind
      if (kind === undefined) throw new NotAcceptedError(`${tool.name} has no P2P task kind`)
      if (!tasks.registry.taskKinds().has(kind)) {
        throw new NotAcceptedError(`no connected worker runs task kind "${kind}"`)
      }
      const [submitted] = await tasks.submitTasks([
        {
          kind,
          input,
          maxAttempts: 3,
          ...(tool.timeoutMs === undefined ? {} : { timeoutMs: tool.timeoutMs }),
        },
      ])
      const id = (submitted as { task: { id: string } }).task.id
      try {
        const { task } = await tasks.wait(id, { signal: ctx.signal, onProgress: ctx.progress })
        if (task.state === 'succeeded') return tasks.output(task)
        const error = task.error ?? { code: 'TASK_FAILED', message: `task ${task.state}` }
        throw new McppError(
          error.code === 'TIMEOUT' ? 'TIMEOUT' : 'TASK_FAILED',
          `P2P task ${id} ${task.state}: ${error.message}`,
          {
            taskId: id,
            taskError: error,
          },
        )
      } catch (err) {
        if (ctx.signal.aborted) tasks.cancel(id, 'the tool call was cancelled')
        throw err
      }
    },
  }
}
