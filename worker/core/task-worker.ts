import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { TaskErrorCode } from '../../shared/task/error-codes.ts'
import { startNoticeDue } from '../../shared/task/start-notice.ts'
import { type FramedChannel, framedChannel } from '../../shared/wire/framed-channel.ts'
import { HeartbeatPacer } from '../../shared/wire/heartbeat-pacer.ts'
import {
  type AssignedTask,
  MAX_TASK_MESSAGE_BYTES,
  type RelayMessage,
  relayMessage,
  TASK_PROTOCOL,
  TASK_PROTOCOL_VERSION,
  type TaskResultMessage,
  type WorkerMessage,
} from '../../shared/wire/task-messages.ts'
import type { ComputePool } from '../compute/compute-pool.ts'
import { Outbox } from './outbox.ts'
import { type KnownRelay, RelayRoster } from './relay-roster.ts'
import { type PayloadBlocks, taskInput, taskOutput } from './task-payloads.ts'
import type { WorkerEvent, WorkerState, WorkerStats } from './worker-events.ts'

export interface TaskWorkerInit {
  node: Libp2p
  /**
   * The relay's multiaddr, ending in /p2p/<peerId>. The worker also learns the other
   * member relays from it and moves to one of them if this relay goes away.
   */
  relay: string
  pool: ComputePool
  name: string
  kinds: readonly string[]
  capabilities?: readonly string[]
  userAgent?: string
  /** Join token for relays that admit workers by token (`workers.admission: token`). */
  joinToken?: string
  /** Fetches (and verifies) payload blocks for `inputCid` and stores large outputs. */
  blocks?: PayloadBlocks
  onEvent?: (event: WorkerEvent) => void
  /** Reconnect delays grow from this to 30 s. */
  reconnectBaseMs?: number
  /** Dials of the same relay (the drop counts as one) before trying the next one known. */
  triesPerRelay?: number
  /**
   * Tasks accepted beyond the compute slots, waiting in the worker: they hide the
   * round trip to the relay between one task and the next (like AMQP prefetch).
   */
  prefetch?: number
}

interface Running {
  task: AssignedTask
  controller: AbortController
  started: boolean
  progress?: number
  total?: number
  lastProgressAt: number
}

const PROGRESS_INTERVAL_MS = 50
const MAX_RECONNECT_MS = 30_000

/**
 * One worker's side of `/mcpp/task/1.0.0`: dials the relay, says hello with its
 * kinds and concurrency, runs what it is assigned in the compute pool, streams
 * progress, batches results, answers cancel and drain, and reconnects when the
 * connection drops. The same class runs in a browser Web Worker and under Node.
 */
export class TaskWorker {
  private readonly init: TaskWorkerInit
  private channel: FramedChannel<WorkerMessage> | undefined
  private readonly running = new Map<string, Running>()
  private readonly outbox: Outbox
  private readonly roster: RelayRoster
  /** The address the current connection went to (one of the relay's addresses). */
  private relayAddress: string
  private heartbeat: ReturnType<typeof setInterval> | undefined
  private readonly pacer = new HeartbeatPacer()
  private reconnect: ReturnType<typeof setTimeout> | undefined
  private attempts = 0
  private stopping = false
  private drained: (() => void) | undefined
  private state: WorkerState = 'idle'
  private workerId: string | null = null
  private done = 0
  private failed = 0
  /** Paused: the relay was told capacity 0 and assigns nothing; what is held still runs. */
  private paused = false
  private last: WorkerStats['last']

  constructor(init: TaskWorkerInit) {
    this.init = init
    this.roster = new RelayRoster(init.relay, {
      ...(init.triesPerRelay === undefined ? {} : { triesPerRelay: init.triesPerRelay }),
    })
    this.relayAddress = init.relay
    // Half the buffer: the relay refills one half while the worker runs the other.
    this.outbox = new Outbox((message) => this.send(message), Math.floor((init.prefetch ?? 0) / 2))
  }

  stats(): WorkerStats {
    return {
      state: this.state,
      relay: this.state === 'connected' ? this.relayAddress : null,
      workerId: this.workerId,
      done: this.done,
      failed: this.failed,
      slots: this.init.pool.size,
      paused: this.paused,
      ...(this.last === undefined ? {} : { last: this.last }),
      inFlight: [...this.running.values()].map((r) => ({
        taskId: r.task.taskId,
        kind: r.task.kind,
        ...(r.task.origin === undefined ? {} : { origin: r.task.origin }),
        started: r.started,
        ...(r.progress === undefined ? {} : { progress: r.progress }),
        ...(r.total === undefined ? {} : { total: r.total }),
      })),
    }
  }

  /** The relay to use now (the block client dials the same one). */
  currentRelay(): KnownRelay {
    return this.roster.current()
  }

  /** Relays this worker knows, the current one first. */
  knownRelays(): readonly KnownRelay[] {
    return this.roster.known()
  }

  /**
   * Changes what the worker takes, without reconnecting: `concurrency` resizes the
   * compute pool; `paused` stops new work (tasks held run to the end). The relay is told
   * at once with a `capacity` message (0 while paused).
   */
  setCapacity(change: { concurrency?: number; paused?: boolean }): void {
    if (change.concurrency !== undefined) this.init.pool.resize(change.concurrency)
    if (change.paused !== undefined) this.paused = change.paused
    // Sent after hello on the same stream whenever there is one (hello cannot say 0).
    if (this.channel) void this.send(this.capacity())
    this.emit({ type: 'stats', stats: this.stats() })
  }

  private capacity(): WorkerMessage {
    const prefetch = this.paused ? 0 : (this.init.prefetch ?? 0)
    return { type: 'capacity', concurrency: this.paused ? 0 : this.init.pool.size + prefetch, prefetch }
  }

  async start(): Promise<void> {
    this.stopping = false
    await this.connect()
  }

  /**
   * Stops taking work. With `drain`, in-flight tasks finish and their results are
   * sent first; otherwise they are abandoned (the relay re-queues them).
   */
  async stop({ drain = true }: { drain?: boolean } = {}): Promise<void> {
    this.stopping = true
    clearTimeout(this.reconnect)
    if (drain && this.running.size > 0 && this.channel) {
      // Capacity 0 first, or the relay would refill the worker as each result arrives.
      this.paused = true
      void this.send(this.capacity())
      this.setState('draining')
      await new Promise<void>((resolve) => {
        this.drained = resolve
      })
    }
    for (const r of this.running.values()) r.controller.abort()
    await this.outbox.flush()
    await this.send({ type: 'bye', reason: drain ? 'stopped' : 'stopped without draining' })
    this.teardown()
    this.setState('stopped')
  }

  private async connect(): Promise<void> {
    const relay = this.roster.current()
    this.relayAddress = relay.addresses[0] as string
    this.setState('connecting')
    try {
      const stream = await this.init.node.dialProtocol(relay.addresses.map(multiaddr), TASK_PROTOCOL)
      this.relayAddress = this.connectedAddress(relay)
      this.channel = framedChannel<RelayMessage, WorkerMessage>(stream, {
        inbound: relayMessage,
        maxMessageBytes: MAX_TASK_MESSAGE_BYTES,
        onMessage: (message) => this.onMessage(message),
        onClose: (err) => this.onClose(err),
      })
      const hello = this.send({
        type: 'hello',
        version: TASK_PROTOCOL_VERSION,
        name: this.init.name,
        kinds: [...this.init.kinds],
        capabilities: [...(this.init.capabilities ?? [])],
        concurrency: this.init.pool.size + (this.init.prefetch ?? 0),
        prefetch: this.init.prefetch ?? 0,
        ...(this.init.userAgent === undefined ? {} : { userAgent: this.init.userAgent }),
        ...(this.init.joinToken === undefined ? {} : { joinToken: this.init.joinToken }),
      })
      // Hello cannot say 0; the pause follows in the same write, before the relay's next round.
      if (this.paused) void this.send(this.capacity())
      await hello
    } catch (err) {
      this.onClose(err as Error)
    }
  }

  private beat(): void {
    if (this.pacer.due(this.running.size))
      void this.send({ type: 'heartbeat', inFlight: [...this.running.keys()] })
  }

  private onMessage(message: RelayMessage): void {
    switch (message.type) {
      case 'welcome':
        this.attempts = 0
        this.roster.welcomed(message.relays)
        this.workerId = message.workerId
        this.setState('connected')
        clearInterval(this.heartbeat)
        this.heartbeat = setInterval(() => this.beat(), message.heartbeatMs)
        return
      case 'assign':
        this.outbox.refilled()
        for (const task of message.tasks) void this.runTask(task)
        return
      case 'cancel': {
        const running = this.running.get(message.taskId)
        if (running?.task.token === message.token) running.controller.abort()
        return
      }
      case 'drain':
        void this.stop({ drain: true })
        return
      case 'error':
        // Retrying cannot change the relay's mind about admission (and would earn strikes):
        // the worker goes on with the other relays it knows, or stops if there are none.
        if (message.code === 'ADMISSION_REFUSED' && !this.roster.refused()) this.stopping = true
        this.emit({ type: 'state', state: this.state, error: `${message.code}: ${message.message}` })
        return
    }
  }

  private async runTask(task: AssignedTask): Promise<void> {
    const controller = new AbortController()
    const running: Running = { task, controller, started: false, lastProgressAt: 0 }
    this.running.set(task.taskId, running)
    const result = await this.execute(running)
    this.running.delete(task.taskId)
    if (result.ok) this.done++
    else this.failed++
    this.last = { kind: task.kind, ...(task.origin === undefined ? {} : { origin: task.origin }) }
    this.emit({
      type: 'task-done',
      taskId: task.taskId,
      kind: task.kind,
      ok: result.ok,
      durationMs: result.durationMs,
      ...(result.ok ? {} : { error: `${result.error.code}: ${result.error.message}` }),
    })
    this.outbox.result(result, {
      idle: this.running.size === 0,
      bufferEmpty: this.running.size <= this.init.pool.size,
    })
    if (this.running.size === 0 && this.drained) {
      await this.outbox.flush()
      this.drained()
      this.drained = undefined
    }
  }

  private async execute(running: Running): Promise<TaskResultMessage> {
    const { task, controller } = running
    const started = performance.now()
    let computeStarted: number | undefined
    const base = { taskId: task.taskId, token: task.token }
    const failed = (code: TaskErrorCode, err: unknown): TaskResultMessage => ({
      ...base,
      ok: false,
      error: { code, message: err instanceof Error ? err.message : String(err) },
      retryable: true,
      durationMs: performance.now() - started,
    })
    let input: unknown
    try {
      input = await taskInput(task, this.init.blocks, controller.signal)
    } catch (err) {
      return failed('INPUT_UNAVAILABLE', err)
    }
    const outcome = await this.init.pool.run(task.kind, input, {
      signal: controller.signal,
      timeoutMs: task.timeoutMs,
      onProgress: (progress, total, message) => this.onProgress(running, progress, total, message),
      onStart: () => {
        computeStarted = performance.now()
        running.started = true
        this.emit({ type: 'task-start', taskId: task.taskId, kind: task.kind })
        // Only a task that waited in the buffer needs the relay to restart its clock.
        if (startNoticeDue((computeStarted as number) - started, task.timeoutMs)) this.outbox.start(base)
      },
    })
    // The time it ran, not the time it waited in the buffer: the relay sizes buffers by it.
    const durationMs = performance.now() - (computeStarted ?? started)
    if (!outcome.ok) return { ...base, ...outcome, durationMs }
    try {
      return { ...base, ok: true, ...(await taskOutput(outcome.output, task, this.init.blocks)), durationMs }
    } catch (err) {
      return failed('OUTPUT_UNSTORED', err)
    }
  }

  private onProgress(running: Running, progress: number, total?: number, message?: string): void {
    running.progress = progress
    if (total !== undefined) running.total = total
    const { taskId, token } = running.task
    this.emit({
      type: 'task-progress',
      taskId,
      progress,
      ...(total === undefined ? {} : { total }),
      ...(message === undefined ? {} : { message }),
    })
    const now = performance.now()
    if (now - running.lastProgressAt < PROGRESS_INTERVAL_MS) return
    running.lastProgressAt = now
    void this.send({
      type: 'progress',
      taskId,
      token,
      progress,
      ...(total === undefined ? {} : { total }),
      ...(message === undefined ? {} : { message }),
    })
  }

  private async send(message: WorkerMessage): Promise<void> {
    try {
      await this.channel?.send(message)
    } catch {
      // The connection is gone; onClose handles reconnection and the relay re-queues.
    }
  }

  private onClose(err?: Error): void {
    this.teardown()
    for (const r of this.running.values()) r.controller.abort()
    if (this.stopping) return
    // After a few failed dials of the same relay, the next dial goes to another one known.
    this.roster.failed()
    const base = this.init.reconnectBaseMs ?? 500
    const delay = Math.min(MAX_RECONNECT_MS, base * 2 ** Math.min(this.attempts++, 16))
    this.setState('disconnected', err?.message ?? 'the relay closed the connection', delay)
    this.reconnect = setTimeout(() => void this.connect(), delay)
  }

  /** Which of the relay's addresses libp2p reached it on (for display), ending in its PeerId. */
  private connectedAddress(relay: KnownRelay): string {
    const remote = this.init.node
      .getConnections()
      .find((c) => c.remotePeer.toString() === relay.peerId && c.status === 'open')
      ?.remoteAddr.toString()
    if (remote === undefined) return relay.addresses[0] as string
    return remote.includes('/p2p/') ? remote : `${remote}/p2p/${relay.peerId}`
  }

  private teardown(): void {
    clearInterval(this.heartbeat)
    this.heartbeat = undefined
    const channel = this.channel
    this.channel = undefined
    channel?.close()
  }

  private setState(state: WorkerState, error?: string, retryInMs?: number): void {
    this.state = state
    this.emit({
      type: 'state',
      state,
      relay: this.relayAddress,
      ...(error === undefined ? {} : { error }),
      ...(retryInMs === undefined ? {} : { retryInMs }),
    })
  }

  private emit(event: WorkerEvent): void {
    this.init.onEvent?.(event)
  }
}
