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
  readonly userAgent: string | undefined
  readonly connectedAt: number
  readonly link: WorkerLink
  /** Task id → fencing token of the tasks this worker holds. */
  readonly inFlight = new Map<string, number>()
  lastSeen: number
  draining = false

  constructor(id: string, peerId: string, hello: HelloMessage, link: WorkerLink, now: number) {
    this.id = id
    this.peerId = peerId
    this.name = hello.name
    this.kinds = new Set(hello.kinds)
    this.capabilities = new Set(hello.capabilities)
    this.concurrency = hello.concurrency
    this.userAgent = hello.userAgent
    this.link = link
    this.connectedAt = now
    this.lastSeen = now
  }

  /** Tasks the relay may still assign (flow control: never above the announced concurrency). */
  get free(): number {
    return this.draining ? 0 : this.concurrency - this.inFlight.size
  }
}
