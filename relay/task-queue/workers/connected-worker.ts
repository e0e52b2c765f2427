import { nextMeanMs, prefetchAllowance } from '../../../shared/task/prefetch.ts'
import type { TaskRecord } from '../../../shared/task/types.ts'
import { MEMBER_CAPABILITY, type WorkerClass } from '../../../shared/trust/admission.ts'
import type { TrustRequirement } from '../../../shared/trust/trust-policy.ts'
import type { HelloMessage, RelayMessage } from '../../../shared/wire/task-messages.ts'

/**
 * A task a worker holds under a lease: what the relay needs to check its answer
 * (kind and input for the output checks, the trust requirement), and the blocks the
 * worker may read and has stored for it.
 */
export interface HeldTask {
  token: number
  kind: string
  input: unknown
  inputCid: string | null
  trust: TrustRequirement
  /** Output blocks the worker stored for this task, and their bytes (the quota). */
  outputCids: Set<string> | undefined
  outputBytes: number
}

/** How the relay talks to one connected worker (a framed channel in practice). */
export interface WorkerLink {
  send(message: RelayMessage): Promise<void>
  /** Closes the stream gracefully (what was sent still arrives). */
  close(): void
  /** Resets the stream at once: for a peer that may be gone, whose close would never be answered. */
  reset(reason: string): void
}

/** A worker connected over `/mcpp/task/1.0.0`, as the dispatcher sees it. */
export class ConnectedWorker {
  readonly id: string
  readonly peerId: string
  readonly name: string
  readonly kinds: ReadonlySet<string>
  readonly capabilities: ReadonlySet<string>
  /** Announced in hello, changed by `capacity` messages (0: paused). */
  concurrency: number
  /** Of `concurrency`, the tasks that run at once; the rest is buffer (prefetch). */
  slots: number
  readonly userAgent: string | undefined
  readonly connectedAt: number
  readonly link: WorkerLink
  /** Task id → the task this worker holds (its fencing token and what checks its answer). */
  readonly inFlight = new Map<string, HeldTask>()
  /** `member` when admitted by join token or allowlist; `volunteer` when only admission is open. */
  readonly workerClass: WorkerClass
  /** Timeouts in a row (from the peer's standing): each halves what the worker may hold. */
  timeoutPenalty = 0
  lastSeen: number
  draining = false
  /** Running mean of this worker's task durations, which sizes its buffer. */
  meanTaskMs: number | null = null

  constructor(
    id: string,
    peerId: string,
    hello: HelloMessage,
    link: WorkerLink,
    now: number,
    workerClass: WorkerClass = 'volunteer',
  ) {
    this.id = id
    this.peerId = peerId
    this.name = hello.name
    this.kinds = new Set(hello.kinds)
    this.workerClass = workerClass
    // The member capability is the relay's to give: hello refuses names under mcpp:.
    this.capabilities = new Set(
      workerClass === 'member' ? [...hello.capabilities, MEMBER_CAPABILITY] : hello.capabilities,
    )
    this.concurrency = hello.concurrency
    this.slots = Math.max(1, hello.concurrency - (hello.prefetch ?? 0))
    this.userAgent = hello.userAgent
    this.link = link
    this.connectedAt = now
    this.lastSeen = now
  }

  /** Free compute slots: assigned first, to every worker, before anyone's buffer. */
  get freeSlots(): number {
    return this.draining ? 0 : Math.max(0, (this.slots >> this.timeoutPenalty) - this.inFlight.size)
  }

  /**
   * Tasks the relay may still assign: slots plus the buffer its task durations call
   * for (flow control: never above the announced concurrency).
   */
  get free(): number {
    if (this.draining) return 0
    const buffer = prefetchAllowance(this.concurrency - this.slots, this.slots, this.meanTaskMs)
    // A worker that keeps timing out gets fewer tasks, then none (shared/trust/standing.ts).
    return Math.max(0, ((this.slots + buffer) >> this.timeoutPenalty) - this.inFlight.size)
  }

  /** The worker announced a new capacity; 0 pauses it (what it holds still runs). */
  setCapacity(concurrency: number, prefetch: number): void {
    this.concurrency = concurrency
    this.slots = concurrency === 0 ? 0 : Math.max(1, concurrency - prefetch)
  }

  recordDuration(durationMs: number): void {
    this.meanTaskMs = nextMeanMs(this.meanTaskMs, durationMs)
  }
}

/** What the relay keeps about a task it leased to a worker. */
export function heldTask(task: TaskRecord): HeldTask {
  return {
    token: task.leaseToken as number,
    kind: task.kind,
    input: task.input,
    inputCid: task.inputCid,
    trust: task.trust,
    outputCids: undefined,
    outputBytes: 0,
  }
}
