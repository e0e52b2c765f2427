import type { TaskProgress } from '../../shared/task/types.ts'
import type { ForwardFrame, ForwardReply } from '../../shared/wire/forward-messages.ts'
import type { Logger } from '../log.ts'
import type { TaskService } from '../task-queue/index.ts'
import type { ForwardOrigin } from '../task-queue/relay-side.ts'

/** At most one progress message per task this often (about four a second); the latest wins. */
export const PROGRESS_INTERVAL_MS = 250
/** Tasks watched at once; past this a task's progress is not passed on (its result still is). */
const MAX_WATCHED = 10_000

export interface ProgressForwarderInit {
  tasks: TaskService
  log: Logger
  now: () => number
  send: (peerId: string, frame: ForwardFrame) => Promise<ForwardReply>
  intervalMs?: number
}

interface Watch {
  stop: AbortController
  /** Progress not sent yet (the newest); sent when the interval allows. */
  pending: TaskProgress | undefined
  timer: ReturnType<typeof setTimeout> | undefined
  sending: boolean
  lastSentAt: number
}

/**
 * The runner's side of progress (issue 11: progress passes through B to the caller):
 * the progress A's worker reports for a task a member handed here goes to its owner,
 * under the owner's fence. Coalesced per task: the first report at once, then at most
 * one per PROGRESS_INTERVAL_MS carrying the latest, and one message in flight per task.
 * Progress is advisory: a request like any other on the stream to the owner, a lost
 * one is not resent, and what is pending when the task finishes is dropped, so it never
 * holds up a result.
 */
export class ProgressForwarder {
  readonly #init: Required<ProgressForwarderInit>
  readonly #watched = new Map<string, Watch>()

  constructor(init: ProgressForwarderInit) {
    this.#init = { intervalMs: PROGRESS_INTERVAL_MS, ...init }
  }

  /** Passes on the progress of handed-over task `id` to its owner until it finishes (or `stopAll`). */
  watch(id: string, origin: ForwardOrigin): void {
    if (this.#watched.has(id) || this.#watched.size >= MAX_WATCHED) return
    const watch: Watch = {
      stop: new AbortController(),
      pending: undefined,
      timer: undefined,
      sending: false,
      lastSentAt: Number.NEGATIVE_INFINITY,
    }
    this.#watched.set(id, watch)
    this.#init.tasks
      .wait(id, {
        signal: watch.stop.signal,
        onProgress: (progress, total, message) => {
          watch.pending = {
            progress,
            ...(total === undefined ? {} : { total }),
            ...(message === undefined ? {} : { message }),
          }
          this.#flush(id, origin, watch)
        },
      })
      .catch(() => {}) // stopped, or the task is gone: nothing more to pass on
      .finally(() => this.#unwatch(id, watch))
  }

  stopAll(): void {
    for (const watch of this.#watched.values()) watch.stop.abort()
  }

  #unwatch(id: string, watch: Watch): void {
    clearTimeout(watch.timer)
    watch.pending = undefined
    if (this.#watched.get(id) === watch) this.#watched.delete(id)
  }

  #flush(id: string, origin: ForwardOrigin, watch: Watch): void {
    if (watch.sending || watch.timer !== undefined || watch.pending === undefined) return
    const wait = watch.lastSentAt + this.#init.intervalMs - this.#init.now()
    if (wait > 0) {
      watch.timer = setTimeout(() => {
        watch.timer = undefined
        this.#flush(id, origin, watch)
      }, wait)
      watch.timer.unref?.()
      return
    }
    const progress = watch.pending
    watch.pending = undefined
    watch.sending = true
    watch.lastSentAt = this.#init.now()
    this.#init
      .send(origin.relay, { type: 'progress', taskId: origin.remoteId, fence: origin.fence, ...progress })
      .then((reply) => {
        // The owner no longer leases the task here: its progress is of no use to it.
        if (reply.type === 'refused') watch.stop.abort()
      })
      .catch((err: Error) =>
        this.#init.log.debug('progress not delivered to the owning relay', {
          taskId: id,
          error: err.message,
        }),
      )
      .finally(() => {
        watch.sending = false
        if (!watch.stop.signal.aborted) this.#flush(id, origin, watch)
      })
  }
}
