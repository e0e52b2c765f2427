import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server'
import type { TaskService } from '../task-queue/task-service.ts'
import type { WorkflowEngine } from '../workflows/workflow-engine.ts'
import { decodeVars, TASK_RESULT_URI, TASK_URI, WORKFLOW_URI } from './resource-kinds.ts'
import type { RunTool } from './run-tool.ts'
import type { Extra } from './tool-context.ts'

export interface SubscriptionSources {
  tasks: Pick<TaskService, 'onFinished'>
  workflows: Pick<WorkflowEngine, 'wait'>
}

/**
 * How long one workflow wait lasts before it is renewed (setTimeout takes at most
 * 2^31-1 ms); a renewal costs one status read.
 */
const WORKFLOW_WAIT_MS = 60 * 60 * 1000

const FINAL_TASK_STATES = new Set(['succeeded', 'failed', 'cancelled'])

/**
 * One session's resource subscriptions (resources/subscribe): task and workflow URIs.
 * A task's subscriber hears `notifications/resources/updated` when it ends; a
 * workflow's, at each step decision and when it ends. Each ends after the final
 * notice, on unsubscribe, or when the session closes (`close`): nothing outlives it.
 */
export class ResourceSubscriptions {
  readonly #notifyOf: (uri: string) => void
  readonly #sources: SubscriptionSources
  readonly #run: RunTool
  readonly #active = new Map<string, () => void>()

  /** `notify`: sends `notifications/resources/updated` for a URI to whoever listens. */
  constructor(notify: (uri: string) => void, sources: SubscriptionSources, run: RunTool) {
    this.#notifyOf = notify
    this.#sources = sources
    this.#run = run
  }

  /**
   * Reads the status first, through the executor: an unknown id or a caller the policy
   * refuses gets that error, and no subscription.
   */
  async subscribe(uri: string, extra: Extra): Promise<void> {
    const task = decodeVars(TASK_URI.match(uri)) ?? decodeVars(TASK_RESULT_URI.match(uri))
    const workflow = decodeVars(WORKFLOW_URI.match(uri))
    if (task?.taskId) {
      const status = (await this.#run('p2p_taskqueue_status', { taskId: task.taskId }, extra)) as {
        state: string
      }
      // A task that has ended will not change: nothing to listen for.
      if (FINAL_TASK_STATES.has(status.state)) return this.unsubscribe(uri)
      this.#replace(
        uri,
        this.#sources.tasks.onFinished(task.taskId, () => this.#ended(uri)),
      )
    } else if (workflow?.workflowId) {
      const status = (await this.#run('p2p_workflow_status', { workflowId: workflow.workflowId }, extra)) as {
        workflow: { state: string }
      }
      if (status.workflow.state !== 'running') return this.unsubscribe(uri)
      this.#replace(uri, this.#followWorkflow(uri, workflow.workflowId))
    } else {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Only task and workflow resources can be subscribed (mcpp://tasks/{taskId}, mcpp://workflows/{workflowId}); got ${uri}`,
        { code: 'INVALID_PARAMS', uri },
      )
    }
  }

  unsubscribe(uri: string): void {
    this.#active.get(uri)?.()
    this.#active.delete(uri)
  }

  /** The session closed: every listener goes. */
  close(): void {
    for (const stop of this.#active.values()) stop()
    this.#active.clear()
  }

  get size(): number {
    return this.#active.size
  }

  #replace(uri: string, stop: () => void): void {
    this.#active.get(uri)?.()
    this.#active.set(uri, stop)
  }

  #notify(uri: string): void {
    this.#notifyOf(uri)
  }

  /** The final notice: the resource will not change again. */
  #ended(uri: string): void {
    this.#active.delete(uri)
    this.#notify(uri)
  }

  #followWorkflow(uri: string, id: string): () => void {
    const stop = new AbortController()
    const follow = async () => {
      while (!stop.signal.aborted) {
        const { timedOut } = await this.#sources.workflows.wait(id, {
          timeoutMs: WORKFLOW_WAIT_MS,
          signal: stop.signal,
          onChange: () => this.#notify(uri),
        })
        if (!timedOut) {
          if (this.#active.get(uri) === cancel) this.#ended(uri)
          return
        }
      }
    }
    const cancel = () => stop.abort()
    void follow().catch(() => this.#active.delete(uri))
    return cancel
  }
}
