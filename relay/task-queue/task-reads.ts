import { McppError } from '../../shared/errors.ts'
import { pendingReason } from '../../shared/task/pending-reason.ts'
import { expiredTaskError } from '../../shared/task/retention.ts'
import type { TaskProgress, TaskRecord } from '../../shared/task/types.ts'
import type { ContentStore } from '../p2p/content-store.ts'
import type { TaskStore } from './store/task-store.ts'
import type { TaskWaiters } from './task-waiters.ts'
import type { WorkerRegistry } from './workers/worker-registry.ts'

/** Queued tasks counted when saying how many run first (the count stops here). */
const MAX_COUNTED_AHEAD = 10_000

export interface TaskReadsInit {
  store: TaskStore
  content: ContentStore
  registry: WorkerRegistry
  waiters: TaskWaiters
  now: () => number
}

/**
 * The read paths behind TaskService that do more than ask the store: a task or why it
 * is gone, its output from the blockstore, its live progress, why it still waits.
 */
export class TaskReads {
  readonly #init: TaskReadsInit

  constructor(init: TaskReadsInit) {
    this.#init = init
  }

  /** See TaskService.require. */
  require(id: string): TaskRecord {
    const task = this.#init.store.get(id)
    if (task) return task
    const expiredAt = this.#init.store.retention.expiredAt(id)
    if (expiredAt !== undefined) throw expiredTaskError(id, expiredAt)
    throw new McppError('NOT_FOUND', `no task with id "${id}"`, { taskId: id })
  }

  /** See TaskService.progress. */
  progress(task: TaskRecord): TaskProgress | null {
    return this.#init.waiters.latestProgress(task.id) ?? task.progress
  }

  /** See TaskService.output. */
  async output(task: TaskRecord, maxBytes: number): Promise<unknown> {
    if (task.outputCid === null) return task.output
    const bytes = await this.#init.content.get(task.outputCid)
    if (bytes === undefined) {
      throw new McppError('NOT_FOUND', `the output block ${task.outputCid} of task ${task.id} is missing`, {
        taskId: task.id,
        cid: task.outputCid,
      })
    }
    return bytes.byteLength <= maxBytes ? JSON.parse(new TextDecoder().decode(bytes)) : undefined
  }

  /** See TaskService.pendingReason. */
  pendingReason(task: TaskRecord): string | undefined {
    if (task.state !== 'queued')
      return pendingReason({ task, workers: [], queuedAhead: 0, now: this.#init.now() })
    const ahead = this.#init.store.queuedAhead(task, MAX_COUNTED_AHEAD)
    return pendingReason({
      task,
      workers: this.#init.registry.loads(),
      queuedAhead: ahead,
      aheadAtLeast: ahead === MAX_COUNTED_AHEAD,
      now: this.#init.now(),
    })
  }
}
