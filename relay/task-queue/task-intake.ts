import type { TaskRecord, TaskSpec } from '../../shared/task/types.ts'
import type { KindSource } from '../../shared/task/unknown-kinds.ts'
import type { ContentStore } from '../p2p/content-store.ts'
import { asStorageFull } from '../storage/storage-full.ts'
import { inputsAsBlocks } from './inputs-as-blocks.ts'
import type { ResubmitResult, Submitted, TaskStore } from './store/task-store.ts'
import { ANONYMOUS, type TaskPolicy, type TaskSubject } from './task-policy.ts'
import type { WorkerRegistry } from './workers/worker-registry.ts'

export interface TaskIntakeInit {
  store: TaskStore
  content: ContentStore
  policy: TaskPolicy
  registry: WorkerRegistry
  now: () => number
  /** Whether a member relay announces workers of `kind` now: such a kind is known here too (issue 11). */
  membersRun?: (kind: string) => boolean
  /** Tasks were created: metrics, assignment, the forwarding pump (TaskService's own bookkeeping). */
  submitted: (tasks: readonly TaskRecord[]) => void
}

/** What a caller's submission did, and what it should know (an unknown kind under `warn`). */
export interface SubmitOutcome {
  tasks: Submitted[]
  warning?: string
}

/**
 * How work enters the queue, behind TaskService's submit methods: the operator's own
 * work, a caller's under the trust policy, its quota and tasks.unknownKinds, and
 * resubmissions of failed or cancelled tasks.
 */
export class TaskIntake {
  readonly #init: TaskIntakeInit
  /** Kinds connected workers announce now, then those remembered (tasks.unknownKinds). */
  readonly #kinds: KindSource

  constructor(init: TaskIntakeInit) {
    this.#init = init
    const { registry, store } = init
    this.#kinds = {
      has: (kind) => registry.announces(kind) || store.kinds.has(kind) || (init.membersRun?.(kind) ?? false),
      near: function* (kind) {
        for (const k of registry.announcedKinds()) if (Math.abs(k.length - kind.length) <= 2) yield k
        yield* store.kinds.near(kind)
      },
    }
  }

  /** See TaskService.submit. */
  async submit(specs: TaskSpec[]): Promise<Submitted[]> {
    const specsAsBlocks = await inputsAsBlocks(specs, this.#init.content).catch((err: unknown) => {
      throw asStorageFull(err, 'blockstore')
    })
    let results: Submitted[]
    try {
      results = this.#init.store.submit(specsAsBlocks)
    } catch (err) {
      // Workflows and the dashboard submit here without the tool executor, which maps the rest.
      throw asStorageFull(err, 'tasks')
    }
    this.#init.submitted(results.filter((r) => r.created).map((r) => r.task))
    return results
  }

  /** See TaskService.submitAs. */
  async submitAs(
    specs: TaskSpec[],
    subject: TaskSubject,
    options: { membersOnly?: boolean } = {},
  ): Promise<SubmitOutcome> {
    const { policy, store } = this.#init
    const warning = policy.checkKinds(specs, this.#kinds)
    policy.checkQuota(specs.length, subject.identity ?? ANONYMOUS, store, this.#init.now())
    const tasks = await this.submit(policy.apply(specs, subject, options))
    policy.added(tasks.filter((s) => s.created).length)
    return warning === undefined ? { tasks } : { tasks, warning }
  }

  /** Whether a task of `kind` would be accepted now under tasks.unknownKinds (known, built in, or `warn`). */
  acceptsKind(kind: string): boolean {
    try {
      this.#init.policy.checkKinds([{ kind }], this.#kinds)
      return true
    } catch {
      return false
    }
  }

  /** See TaskService.resubmit. */
  resubmit(id: string, subject: TaskSubject): ResubmitResult {
    const { policy, store } = this.#init
    policy.checkQuota(1, subject.identity ?? ANONYMOUS, store, this.#init.now())
    const result = store.resubmit(id)
    if (!result.ok) return result
    policy.added(1)
    this.#init.submitted([result.task])
    return result
  }
}
