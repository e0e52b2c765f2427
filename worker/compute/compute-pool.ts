import type { KindOutcome } from '../../shared/task/kinds/run-kind.ts'
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

interface Slot {
  host: ComputeHost
  busy: boolean
  current?: {
    id: number
    settle: (outcome: KindOutcome, kill: boolean) => void
    onProgress?: RunOptions['onProgress']
  }
}

const failure = (code: string, message: string, retryable: boolean): KindOutcome => ({
  ok: false,
  error: { code, message },
  retryable,
})

/**
 * Runs tasks in separate compute contexts so that a heavy or runaway task never
 * stalls the libp2p worker. Contexts are reused; a task that times out, is cancelled
 * or crashes its context gets that context terminated and replaced.
 */
export class ComputePool {
  private readonly slots: Slot[] = []
  private readonly waiting: Array<() => void> = []
  private readonly spawn: SpawnCompute
  private nextId = 1
  private closed = false
  readonly size: number

  constructor(spawn: SpawnCompute, size: number) {
    this.spawn = spawn
    this.size = size
    for (let i = 0; i < size; i++) this.slots.push(this.newSlot())
  }

  async run(kind: string, input: unknown, options: RunOptions): Promise<KindOutcome> {
    if (options.signal?.aborted) return failure('CANCELLED', 'the task was cancelled', false)
    const slot = await this.acquire()
    if (slot === undefined) return failure('CANCELLED', 'the worker is shutting down', true)
    if (options.signal?.aborted) {
      this.release(slot)
      return failure('CANCELLED', 'the task was cancelled', false)
    }
    const id = this.nextId++
    return new Promise<KindOutcome>((resolve) => {
      let done = false
      const finish = (outcome: KindOutcome, kill: boolean) => {
        if (done) return
        done = true
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
        delete slot.current
        if (kill) this.replace(slot)
        else this.release(slot)
        resolve(outcome)
      }
      const timer = setTimeout(
        () => finish(failure('TIMEOUT', `the task exceeded its ${options.timeoutMs} ms limit`, true), true),
        options.timeoutMs,
      )
      const onAbort = () => finish(failure('CANCELLED', 'the task was cancelled', false), true)
      options.signal?.addEventListener('abort', onAbort, { once: true })
      slot.current = {
        id,
        settle: finish,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      }
      slot.host.postMessage({ type: 'run', id, kind, input })
      options.onStart?.()
    })
  }

  close(): void {
    this.closed = true
    for (const slot of this.slots) slot.host.terminate()
    for (const wake of this.waiting.splice(0)) wake()
  }

  private newSlot(): Slot {
    const slot: Slot = { host: this.spawn(), busy: false }
    slot.host.onMessage((reply) => {
      const current = slot.current
      if (!current || reply.id !== current.id) return
      if (reply.type === 'progress') current.onProgress?.(reply.progress, reply.total, reply.message)
      else current.settle(reply.outcome, false)
    })
    slot.host.onError((error) => {
      const current = slot.current
      const crashed = failure('WORKER_CRASHED', `the compute context failed: ${error.message}`, true)
      if (current) current.settle(crashed, true)
      else this.replace(slot)
    })
    return slot
  }

  /** A free slot, marked busy; undefined once the pool is closed. */
  private acquire(): Promise<Slot | undefined> {
    const free = this.takeFree()
    if (free || this.closed) return Promise.resolve(free)
    return new Promise((resolve) => {
      this.waiting.push(() => resolve(this.takeFree()))
    })
  }

  private takeFree(): Slot | undefined {
    if (this.closed) return undefined
    const free = this.slots.find((s) => !s.busy)
    if (free) free.busy = true
    return free
  }

  private release(slot: Slot): void {
    slot.busy = false
    this.waiting.shift()?.()
  }

  private replace(slot: Slot): void {
    const index = this.slots.indexOf(slot)
    if (index === -1) return
    slot.host.terminate()
    if (this.closed) return
    this.slots[index] = this.newSlot()
    this.waiting.shift()?.()
  }
}
