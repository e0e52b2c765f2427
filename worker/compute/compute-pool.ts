import type { TaskErrorCode } from '../../shared/task/error-codes.ts'
import type { KindOutcome } from '../../shared/task/kinds/run-kind.ts'
import { restAfter } from '../core/cost-controls.ts'
import type { ComputeReply, RunRequest } from './messages.ts'

/** A running compute context, as the pool sees it. */
export interface ComputeHost {
  postMessage(message: RunRequest): void
  onMessage(listener: (message: ComputeReply) => void): void
  onError(listener: (error: Error) => void): void
  terminate(): void
}

export type SpawnCompute = () => ComputeHost

export interface RunOptions {
  signal?: AbortSignal
  timeoutMs: number
  onProgress?: (progress: number, total?: number, message?: string) => void
  /** Called when the task has been handed to a compute context. */
  onStart?: () => void
}

interface Job {
  id: number
  kind: string
  input: unknown
  options: RunOptions
  resolve: (outcome: KindOutcome) => void
  onAbort: () => void
}

interface Slot {
  host: ComputeHost
  /** Jobs sent to this context, in the order it runs them; the first one is running. */
  jobs: Job[]
  timer?: ReturnType<typeof setTimeout>
  /** Compute time (ms, measured in the context) not yet rested for under the CPU cap. */
  owedRestMs: number
  /** Under the CPU cap: the context takes no work before this (performance.now()). */
  restUntil: number
  /** Removed by a smaller `resize`: takes no new work and goes when it holds none. */
  retiring: boolean
}

export interface PoolTuning {
  /** Kinds whose tasks run shorter than this on average are sent to a context several at a time. */
  shortTaskMs: number
  /** How many tasks a context holds at once (at most one of them not short). */
  shortTaskDepth: number
}
const DEFAULT_TUNING: PoolTuning = { shortTaskMs: 2, shortTaskDepth: 16 }

export interface PoolOptions extends Partial<PoolTuning> {
  /** The clock rests are measured on (ms); performance.now by default. */
  now?: () => number
}

const failure = (code: TaskErrorCode, message: string, retryable: boolean): KindOutcome => ({
  ok: false,
  error: { code, message },
  retryable,
})

/**
 * Runs tasks in separate compute contexts so that a heavy or runaway task never
 * stalls the libp2p worker. Contexts are reused. Short tasks are sent to a context
 * a few at a time in one message (each still answered on its own), which saves most
 * of the cross-thread wake-ups; long ones one at a time. A task that times out, is
 * cancelled or crashes its context gets that context terminated and replaced; the
 * tasks queued behind it in that context go back to the pool and run elsewhere.
 */
export class ComputePool {
  private readonly slots: Slot[] = []
  private readonly waiting: Job[] = []
  private readonly spawn: SpawnCompute
  private nextId = 1
  private closed = false
  private dispatchScheduled = false
  /** Running mean run time by task kind, as measured inside the contexts. */
  private readonly meanMs = new Map<string, number>()
  private readonly tuning: PoolTuning
  /** Percent of the time each context may compute (100: no cap). */
  private cpuCap = 100
  private restTimer: ReturnType<typeof setTimeout> | undefined
  private readonly now: () => number

  constructor(spawn: SpawnCompute, size: number, options: PoolOptions = {}) {
    const { now, ...tuning } = options
    this.spawn = spawn
    this.tuning = { ...DEFAULT_TUNING, ...tuning }
    this.now = now ?? (() => performance.now())
    for (let i = 0; i < size; i++) this.slots.push(this.newSlot())
  }

  /** Compute contexts taking work (those being retired after a resize are not counted). */
  get size(): number {
    return this.slots.filter((s) => !s.retiring).length
  }

  /**
   * Changes how many contexts run tasks, without a restart: new ones start at once;
   * surplus ones (idle ones first) take no more work and are terminated once they
   * finish what they hold.
   */
  resize(size: number): void {
    if (this.closed) return
    const active = this.slots.filter((s) => !s.retiring)
    // Idle contexts go first; busy ones only if there are not enough idle ones.
    const surplus = [...active].sort((x, y) => x.jobs.length - y.jobs.length)
    for (const slot of surplus.slice(0, Math.max(0, active.length - size))) {
      slot.retiring = true
      if (slot.jobs.length === 0) this.retire(slot)
    }
    for (let i = active.length; i < size; i++) this.slots.push(this.newSlot())
    this.scheduleDispatch()
  }

  /**
   * A duty cycle per compute context (issue 13): at `percent`, a context that computed
   * for t ms (as measured inside it) rests t·(100 − percent)/percent ms before it is
   * given more work, so it computes at most `percent` of the time. A context holding a
   * batch of short tasks rests once it has run them all.
   */
  setCpuCap(percent: number): void {
    this.cpuCap = Math.min(100, Math.max(1, percent))
    if (this.cpuCap === 100)
      for (const slot of this.slots) {
        slot.owedRestMs = 0
        slot.restUntil = 0
      }
    this.scheduleDispatch()
  }

  run(kind: string, input: unknown, options: RunOptions): Promise<KindOutcome> {
    if (options.signal?.aborted) return Promise.resolve(failure('CANCELLED', 'the task was cancelled', false))
    if (this.closed) return Promise.resolve(failure('CANCELLED', 'the worker is shutting down', true))
    return new Promise<KindOutcome>((resolve) => {
      const job: Job = {
        id: this.nextId++,
        kind,
        input,
        options,
        resolve: (outcome) => {
          options.signal?.removeEventListener('abort', job.onAbort)
          resolve(outcome)
        },
        onAbort: () => this.cancel(job),
      }
      options.signal?.addEventListener('abort', job.onAbort, { once: true })
      this.waiting.push(job)
      this.scheduleDispatch()
    })
  }

  close(): void {
    this.closed = true
    clearTimeout(this.restTimer)
    for (const slot of this.slots) {
      clearTimeout(slot.timer)
      slot.host.terminate()
      for (const job of slot.jobs.splice(0))
        job.resolve(failure('CANCELLED', 'the worker is shutting down', true))
    }
    for (const job of this.waiting.splice(0))
      job.resolve(failure('CANCELLED', 'the worker is shutting down', true))
  }

  /** Jobs queued in one turn go out together. */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return
    this.dispatchScheduled = true
    queueMicrotask(() => {
      this.dispatchScheduled = false
      this.dispatch()
    })
  }

  private dispatch(): void {
    if (this.closed || this.waiting.length === 0) return
    const { shortTaskDepth } = this.tuning
    const batches = new Map<Slot, Job[]>()
    // A context holds up to `shortTaskDepth` jobs, of which at most one is not known to
    // be short: so a long task never holds up others, while short ones go to a context
    // many per message (a message costs more than they do). Least loaded context first;
    // whether a context holds a job not known to be short is worked out once per round.
    const holdsLong = new Map(this.slots.map((slot) => [slot, !slot.jobs.every((j) => this.isShort(j))]))
    // One reading of the clock for the whole round: a context that is not open now must
    // be one the wake-up below waits for (two readings let a rest end between them, and
    // the waiting task then waited for nothing, until the relay cancelled it).
    const now = this.now()
    // Under the cap, a context that owes rest finishes what it holds, then rests.
    const open = this.slots.filter((s) => !s.retiring && s.restUntil <= now && s.owedRestMs === 0)
    while (this.waiting.length > 0) {
      const job = this.waiting[0] as Job
      const short = this.isShort(job)
      let best: Slot | undefined
      let idle: Slot | undefined
      for (const slot of open) {
        if (slot.jobs.length >= shortTaskDepth || holdsLong.get(slot)) continue
        if (slot.jobs.length === 0) idle ??= slot
        if (best === undefined || slot.jobs.length < best.jobs.length) best = slot
      }
      if (best === undefined) break
      // A long job goes to an idle context when there is one.
      if (!short && idle) best = idle
      this.waiting.shift()
      best.jobs.push(job)
      if (!short) holdsLong.set(best, true)
      const batch = batches.get(best)
      if (batch) batch.push(job)
      else batches.set(best, [job])
    }
    for (const [slot, jobs] of batches) {
      slot.host.postMessage({
        type: 'run',
        tasks: jobs.map((j) => ({ id: j.id, kind: j.kind, input: j.input })),
      })
      for (const job of jobs) job.options.onStart?.()
      if (slot.jobs[0] === jobs[0]) this.armTimer(slot)
    }
    this.wakeAfterRest(now)
  }

  /** A job of a kind whose recent runs were short (unknown kinds are not). */
  private isShort(job: Job): boolean {
    return (this.meanMs.get(job.kind) ?? Number.POSITIVE_INFINITY) < this.tuning.shortTaskMs
  }

  /** The time limit of the job a context is running now (the first one it holds). */
  private armTimer(slot: Slot): void {
    clearTimeout(slot.timer)
    const head = slot.jobs[0]
    if (!head) return
    slot.timer = setTimeout(() => {
      if (slot.jobs[0] !== head) return
      const ms = head.options.timeoutMs
      this.kill(slot, head, failure('TIMEOUT', `the task exceeded its ${ms} ms limit`, true))
    }, head.options.timeoutMs)
  }

  /**
   * The earliest end of a rest, when work waits: dispatch again then. `now` is the
   * round's reading. A timer may fire a little early (it counts from the event loop's
   * cached time); that round then finds the context still resting and waits again.
   */
  private wakeAfterRest(now: number): void {
    clearTimeout(this.restTimer)
    if (this.closed || this.waiting.length === 0) return
    const resting = this.slots.filter((s) => !s.retiring && s.restUntil > now)
    if (resting.length === 0) return
    const next = Math.min(...resting.map((s) => s.restUntil))
    this.restTimer = setTimeout(() => this.scheduleDispatch(), next - now)
  }

  private retire(slot: Slot): void {
    const index = this.slots.indexOf(slot)
    if (index !== -1) this.slots.splice(index, 1)
    clearTimeout(slot.timer)
    slot.host.terminate()
  }

  private newSlot(): Slot {
    const slot: Slot = { host: this.spawn(), jobs: [], owedRestMs: 0, restUntil: 0, retiring: false }
    slot.host.onMessage((reply) => {
      const head = slot.jobs[0]
      if (reply.type === 'progress') {
        slot.jobs
          .find((j) => j.id === reply.id)
          ?.options.onProgress?.(reply.progress, reply.total, reply.message)
        return
      }
      if (!head || reply.id !== head.id) return
      slot.jobs.shift()
      clearTimeout(slot.timer)
      // The context's own measure: under CPU contention, wall time would call every task long.
      this.recordDuration(head.kind, reply.ms)
      this.armTimer(slot)
      head.resolve(reply.outcome)
      slot.owedRestMs += restAfter(reply.ms, this.cpuCap)
      if (slot.jobs.length === 0) {
        if (slot.retiring) return this.retire(slot)
        slot.restUntil = this.now() + slot.owedRestMs
        slot.owedRestMs = 0
      }
      this.scheduleDispatch()
    })
    slot.host.onError((error) => {
      const head = slot.jobs[0]
      const crashed = failure('WORKER_CRASHED', `the compute context failed: ${error.message}`, true)
      if (head) this.kill(slot, head, crashed)
      else this.replace(slot)
    })
    return slot
  }

  private recordDuration(kind: string, ms: number): void {
    const mean = this.meanMs.get(kind)
    this.meanMs.set(kind, mean === undefined ? ms : mean + 0.1 * (ms - mean))
  }

  /** Cancels a job: dropped if still waiting; if sent to a context, that context is terminated. */
  private cancel(job: Job): void {
    const cancelled = failure('CANCELLED', 'the task was cancelled', false)
    const index = this.waiting.indexOf(job)
    if (index !== -1) {
      this.waiting.splice(index, 1)
      job.resolve(cancelled)
      return
    }
    const slot = this.slots.find((s) => s.jobs.includes(job))
    if (slot) this.kill(slot, job, cancelled)
  }

  /**
   * Terminates a context for `job` (which ends with `outcome`); the other jobs it held
   * go back to the front of the queue to run elsewhere.
   */
  private kill(slot: Slot, job: Job, outcome: KindOutcome): void {
    const others = slot.jobs.filter((j) => j !== job)
    slot.jobs = []
    this.replace(slot)
    this.waiting.unshift(...others)
    job.resolve(outcome)
    this.scheduleDispatch()
  }

  private replace(slot: Slot): void {
    const index = this.slots.indexOf(slot)
    if (index === -1) return
    clearTimeout(slot.timer)
    slot.host.terminate()
    if (this.closed) return
    if (slot.retiring) this.slots.splice(index, 1)
    else this.slots[index] = this.newSlot()
  }
}
