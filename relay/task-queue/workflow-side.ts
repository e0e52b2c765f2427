import type { TaskRecord, TaskSpec } from '../../shared/task/types.ts'
import type { ContentStore } from '../p2p/content-store.ts'
import { inputsAsBlocks } from './inputs-as-blocks.ts'
import type { RelaySide } from './relay-side.ts'
import type { Submitted, TaskStore } from './store/task-store.ts'
import type { WorkflowStore } from './store/workflow-store.ts'
import { ANONYMOUS, type TaskPolicy, type TaskSubject } from './task-policy.ts'

export interface WorkflowSideInit {
  store: TaskStore
  content: ContentStore
  policy: TaskPolicy
  relaySide: RelaySide
  now: () => number
  /** Tasks were created: metrics, assignment, the forwarding pump (TaskService's own bookkeeping). */
  submitted: (tasks: readonly TaskRecord[]) => void
}

/**
 * The task queue as the workflow engine sees it (issue 12), like workerSide for the
 * worker protocols and relaySide for member relays: the workflow store in the queue's
 * SQLite file, transactions shared with it, submissions linked to a step's attempt in
 * the same transaction, and settled tasks.
 */
export class WorkflowSide {
  readonly #init: WorkflowSideInit

  constructor(init: WorkflowSideInit) {
    this.#init = init
  }

  /** The durable workflows beside the tasks; a task's settlement moves its step in the same transaction. */
  get store(): WorkflowStore {
    return this.#init.store.workflows
  }

  /** Runs `fn` in one queue transaction (see TaskStore.transaction). */
  transaction<T>(fn: () => T): T {
    return this.#init.store.transaction(fn)
  }

  /**
   * Submits tasks and records what depends on them in one store transaction (a
   * workflow step marked running and its task queued commit together). `link` runs
   * inside it with the stored tasks; if it throws, neither the tasks nor its writes are
   * kept. Kinds were checked when the workflow was accepted; the trust policy and the
   * caller's quota apply as for `submitAs` (QUOTA_EXCEEDED: the step waits and is tried
   * again, relay/workflows/step-runner.ts), so workflows cannot hold more unfinished
   * tasks than the operator allows an identity.
   */
  async submitLinked<T>(
    specs: TaskSpec[],
    subject: TaskSubject,
    link: (submitted: Submitted[]) => T,
  ): Promise<{ tasks: Submitted[]; linked: T }> {
    const { policy, store, content } = this.#init
    policy.checkQuota(specs.length, subject.identity ?? ANONYMOUS, store, this.#init.now())
    const prepared = await inputsAsBlocks(policy.apply(specs, subject), content)
    const out = store.transaction(() => {
      const tasks = store.submit(prepared)
      return { tasks, linked: link(tasks) }
    })
    policy.added(out.tasks.filter((s) => s.created).length)
    this.#init.submitted(out.tasks.filter((r) => r.created).map((r) => r.task))
    return out
  }

  /** Called with every task that reaches a final state, after it is stored. */
  onSettled(listener: (task: TaskRecord) => void): void {
    this.#init.relaySide.onSettled(listener)
  }
}
