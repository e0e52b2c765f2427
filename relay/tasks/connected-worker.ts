import { nextMeanMs, prefetchAllowance } from '../../shared/queue/prefetch.ts'
import type { HelloMessage, RelayMessage } from '../../shared/wire/task-messages.ts'

/** How the relay talks to one connected worker (a framed channel in practice). */
export interface WorkerLink {
  send(message: RelayMessage): Promise<void>
  close(): void
}

/** A worker connected over `/mcpp/task/1.0.0`, as the dispatcher sees it. */
export class ConnectedWorker {
  readonly id: string
  readonly peerId: string
  readonly name: string
  readonly kinds: ReadonlySet<string>
  readonly capabilities: ReadonlySet<string>
  readonly concurrency: number
  /** Of `concurrency`, the tasks that run at once; the rest is buffer (prefetch). */
  readonly slots: number
  readonly userAgent: string | undefined
  readonly connectedAt: number
  readonly link: WorkerLink
  /** Task id → fencing token of the tasks this worker holds. */
  readonly inFlight = new Map<string, number>()
  lastSeen: number
  draining = false
  /** Running mean of this worker's task durations, which sizes its buffer. */
  meanTaskMs: number | null = null

  constructor(id: string, peerId: string, hello: HelloMessage, link: WorkerLink, now: number) {
    this.id = id
    this.peerId = peerId
    this.name = hello.name
    this.kinds = new Set(hello.kinds)
    this.capabilities = new Set(hello.capabilities)
    this.concurrency = hello.concurrency
    this.slots = Math.max(1, hello.concurrency - (hello.prefetch ?? 0))
    this.userAgent = hello.userAgent
    this.link = link
    this.connectedAt = now
    this.lastSeen = now
  }

  /** Free compute slots: assigned first, to every worker, before anyone's buffer. */
  get freeSlots(): number {
    return this.draining ? 0 : Math.max(0, this.slots - this.inFlight.size)
  }

  /**
   * Tasks the relay may still assign: slots plus the buffer its task durations call
   * for (flow control: never above the announced concurrency).
   */
  get free(): number {
    if (this.draining) return 0
    const buffer = prefetchAllowance(this.concurrency - this.slots, this.slots, this.meanTaskMs)
    return Math.max(0, this.slots + buffer - this.inFlight.size)
  }

  recordDuration(durationMs: number): void {
    this.meanTaskMs = nextMeanMs(this.meanTaskMs, durationMs)
  }
}
