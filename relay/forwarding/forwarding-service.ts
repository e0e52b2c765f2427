import type { Libp2p } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { Counter, type Registry } from 'prom-client'
import {
  FORWARD_REFUSALS,
  type ForwardFrame,
  type ForwardRefusal,
  type ForwardReply,
  type ForwardRequest,
  type OfferMessage,
} from '../../shared/wire/forward-messages.ts'
import type { ChannelProblem } from '../../shared/wire/framed-channel.ts'
import type { Logger } from '../log.ts'
import type { BlockAccess } from '../p2p/block-protocol.ts'
import type { ContentStore } from '../p2p/content-store.ts'
import type { RelayInfo } from '../p2p/relay-directory.ts'
import { FullDiskGuard } from '../storage/full-disk-guard.ts'
import type { TaskService } from '../task-queue/index.ts'
import type { HandOffOutcome } from '../task-queue/relay-side.ts'
import { handleForwarding } from './forward-handler.ts'
import { ForwardSessions, REPLY_TIMEOUT_MS } from './forward-sessions.ts'
import { ForwardingPump } from './forwarding-pump.ts'
import { HandOffBlocks } from './hand-off-blocks.ts'
import type { OfferOutcome } from './offer-outcome.ts'
import { BLOCK_TIMEOUT_MS, RunnerSide } from './runner-side.ts'

export interface ForwardingInit {
  tasks: TaskService
  /** The relay's blockstore: large inputs and outputs of handed-over tasks pass through it. */
  content: ContentStore
  log: Logger
  now: () => number
  registry: Registry
  /** How long a member running one of this relay's tasks may stay silent before it is taken back. */
  leaseMs: number
  /** How often held leases are renewed, the outbox is retried and queued tasks are offered. */
  tickMs: number
  /**
   * Member relays' live announcements (undefined while the node is not running). With
   * it, queued tasks no local worker runs are offered to members (forwarding-pump.ts).
   */
  relays?: () => readonly RelayInfo[] | undefined
}

export type { OfferOutcome }

/** Refusals of a whole stream (forward-handler.ts), beside those of one request. */
const CHANNEL_PROBLEMS: readonly (ChannelProblem | 'too_many_requests')[] = [
  'oversized',
  'bad_length',
  'not_json',
  'invalid_message',
  'too_many_requests',
]

/**
 * Both ends of a hand-off (see index.ts): the owner's side here (offers, and what
 * runners report), the runner's in runner-side.ts. Built with the relay; `attach`
 * starts serving `/mcpp/forward/2.0.0` on the libp2p node and a tick that runs the
 * runner's side (renewals, results) and the forwarding pump.
 */
export class ForwardingService {
  readonly #init: ForwardingInit
  readonly #refused: Counter<'reason'>
  readonly #forwarded: Counter<'direction'>
  readonly #blocks: HandOffBlocks
  readonly #runner: RunnerSide
  #libp2p: Libp2p | undefined
  /** This relay's streams to member relays, one each, for its requests. */
  #sessions: ForwardSessions | undefined
  #ticker: ReturnType<typeof setInterval> | undefined
  readonly #pump: ForwardingPump | undefined
  /** A full disk fails a tick (lease renewals, retried results), not the relay; the next tick tries again. */
  readonly #fullDisk: FullDiskGuard

  constructor(init: ForwardingInit) {
    this.#init = init
    this.#fullDisk = new FullDiskGuard(init.log, init.now)
    this.#refused = new Counter({
      name: 'mcpp_forward_refused_total',
      help: 'Forward protocol requests refused, by reason (not_member, stale, a malformed frame, …)',
      labelNames: ['reason'],
      registers: [init.registry],
    })
    for (const reason of [...FORWARD_REFUSALS, ...CHANNEL_PROBLEMS]) this.#refused.inc({ reason }, 0)
    this.#forwarded = new Counter({
      name: 'mcpp_forwarded_tasks_total',
      help: 'Tasks handed between member relays: out = a member accepted one of ours, in = we accepted one of a member’s',
      labelNames: ['direction'],
      registers: [init.registry],
    })
    for (const direction of ['out', 'in']) this.#forwarded.inc({ direction }, 0)
    this.#blocks = new HandOffBlocks(init.tasks)
    this.#runner = new RunnerSide({
      ...init,
      libp2p: () => this.#libp2p,
      send: (peerId, frame) => this.#send(peerId, frame),
      refusal: (peerId, reason, detail) => this.#refusal(peerId, reason, detail),
      accepted: () => this.#forwarded.inc({ direction: 'in' }),
    })
    const side = init.tasks.relaySide
    const relays = init.relays
    this.#pump =
      relays === undefined
        ? undefined
        : new ForwardingPump({
            tasks: init.tasks,
            log: init.log,
            relays: () => (this.#libp2p === undefined ? undefined : relays()),
            offer: (taskId, peerId) => this.offer(taskId, peerId),
          })
    // After the submitter's own turn: a caller that offers its task itself goes first.
    side.onSubmitted(() => this.#pump?.schedule())
    side.onSettled((task) => {
      this.#blocks.forget(task.id)
      // Only a task run for a member has a result to deliver (the outbox query costs a
      // scan of the open hand-offs on every settle otherwise); the tick retries the rest.
      if (typeof task.metadata.forwardedFrom === 'string') this.#runner.deliver()
      // A member that finished a task has a free slot for the next one (forwarding-pump.ts).
      this.#pump?.schedule()
    })
    side.onHandOffRevoked((peerId, taskId, fence, reason) => {
      this.#blocks.forget(taskId)
      void this.#send(peerId, { type: 'cancel', taskId, fence, reason: reason.slice(0, 256) }).catch((err) =>
        init.log.debug('cancel not delivered to the member running it', {
          peerId,
          taskId,
          error: err.message,
        }),
      )
    })
  }

  /** Serves the protocol on `libp2p` and starts the tick. */
  async attach(libp2p: Libp2p, isMember: (peerId: string) => boolean): Promise<void> {
    await handleForwarding(libp2p, {
      isMember,
      answer: (peerId, request) => this.#answer(peerId, request),
      refused: (peerId, reason, detail) => this.#refuse(peerId, reason, detail),
    })
    this.#libp2p = libp2p
    this.#sessions = new ForwardSessions(libp2p)
    // Members could not reach this relay while it was down: their leases restart now.
    this.#init.tasks.relaySide.resumeHandOffs(this.#init.leaseMs)
    this.#runner.start()
    this.#ticker = setInterval(
      () => this.#fullDisk.run('a forwarding tick', () => this.#tick()),
      this.#init.tickMs,
    )
    this.#ticker.unref?.()
    this.#tick()
  }

  detach(): void {
    clearInterval(this.#ticker)
    this.#ticker = undefined
    this.#libp2p = undefined
    this.#sessions?.close()
    this.#sessions = undefined
    this.#runner.stop()
  }

  /**
   * What `/mcpp/block/1.0.0` lets a peer touch: a worker's rights (`workers`), and a
   * member's for the tasks handed to it (hand-off-blocks.ts).
   */
  blockAccess(workers: BlockAccess): BlockAccess {
    return this.#blocks.access(workers)
  }

  /**
   * Hands the queued task `taskId` to member relay `peerId`: it is leased to `relay:<peerId>`
   * under a new fence, then offered. A refused or undelivered offer gives the lease back.
   */
  async offer(taskId: string, peerId: string, options: { signal?: AbortSignal } = {}): Promise<OfferOutcome> {
    const side = this.#init.tasks.relaySide
    const task = side.handOff(taskId, peerId, this.#init.leaseMs)
    if (task === undefined) return { ok: false, reason: 'not_queued' }
    const fence = task.leaseToken as number
    const giveBack = (reason: string, detail: string): OfferOutcome => {
      side.handOffFailed(taskId, fence, { code: 'HANDOFF_FAILED', message: `${peerId}: ${detail}` })
      return { ok: false, reason, detail }
    }
    const offer: OfferMessage = {
      type: 'offer',
      taskId,
      fence,
      leaseMs: this.#init.leaseMs,
      task: {
        kind: task.kind,
        ...(task.inputCid === null ? { input: task.input } : { inputCid: task.inputCid }),
        priority: task.priority,
        timeoutMs: task.timeoutMs,
        requires: task.requires,
        trust: task.trust,
      },
    }
    // A large input is fetched by the member while it answers: it may read that block until then.
    const closeInput = task.inputCid === null ? () => {} : this.#blocks.openInput(peerId, task.inputCid)
    const timeoutMs = task.inputCid === null ? REPLY_TIMEOUT_MS : REPLY_TIMEOUT_MS + BLOCK_TIMEOUT_MS
    let reply: ForwardReply
    try {
      reply = await this.#send(peerId, offer, { ...options, timeoutMs })
    } catch (err) {
      return giveBack('unreachable', (err as Error).message)
    } finally {
      closeInput()
    }
    if (reply.type === 'accepted') {
      this.#forwarded.inc({ direction: 'out' })
      return { ok: true, task }
    }
    const detail = reply.type === 'refused' ? (reply.detail ?? reply.reason) : 'unexpected reply'
    return giveBack(reply.type === 'refused' ? reply.reason : 'unexpected', detail)
  }

  async #answer(peerId: string, request: ForwardRequest): Promise<ForwardReply> {
    const side = this.#init.tasks.relaySide
    switch (request.type) {
      case 'offer':
        return this.#runner.accept(peerId, request)
      case 'cancel':
        return this.#runner.cancel(peerId, request)
      case 'renew':
        return { type: 'renewed', stale: side.renewHandOffs(peerId, request.tasks, this.#init.leaseMs) }
      case 'progress': {
        const { taskId, fence, type: _type, ...progress } = request
        return side.handOffProgress(peerId, taskId, fence, progress)
          ? { type: 'accepted' }
          : this.#refusal(peerId, 'stale', `progress for ${taskId} under fence ${fence}`)
      }
      case 'result': {
        const { taskId, fence } = request
        if (
          request.ok &&
          request.outputCid !== undefined &&
          side.leasedTo(peerId, taskId, fence) &&
          !this.#blocks.storedOutput(peerId, taskId, fence, request.outputCid)
        )
          return this.#refusal(
            peerId,
            'output_unavailable',
            `no output block ${request.outputCid} was stored for ${taskId}`,
          )
        // zod leaves absent optional fields out; it only types them as `| undefined`.
        const settled = side.handOffResult(peerId, taskId, fence, request as HandOffOutcome)
        if (settled.ok) return { type: 'accepted' }
        return this.#refusal(peerId, settled.reason, `result for ${taskId} under fence ${fence}`)
      }
    }
  }

  #refusal(peerId: string, reason: ForwardRefusal, detail: string): ForwardReply {
    this.#refuse(peerId, reason, detail)
    return { type: 'refused', reason, detail }
  }

  #refuse(peerId: string, reason: string, detail: string): void {
    this.#refused.inc({ reason })
    this.#init.log.warn('forward request refused', { peerId, reason, detail })
  }

  #send(
    peerId: string,
    frame: ForwardFrame,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<ForwardReply> {
    const sessions = this.#sessions
    if (sessions === undefined)
      return Promise.reject(new Error('the libp2p node of this relay is not running'))
    return sessions.request(peerIdFromString(peerId), frame, options)
  }

  #tick(): void {
    this.#runner.tick()
    this.#pump?.run()
  }
}
