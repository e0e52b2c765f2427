import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { Counter, type Registry } from 'prom-client'
import {
  FORWARD_REFUSALS,
  type ForwardFrame,
  type ForwardReply,
  type ForwardRequest,
  type OfferMessage,
} from '../../shared/wire/forward-messages.ts'
import type { ChannelProblem } from '../../shared/wire/framed-channel.ts'
import type { Logger } from '../log.ts'
import type { RelayInfo } from '../p2p/relay-directory.ts'
import type { TaskService } from '../task-queue/index.ts'
import type { ForwardedRecord, HandOffOutcome } from '../task-queue/relay-side.ts'
import { forwardRequest } from './forward-client.ts'
import { handleForwarding } from './forward-handler.ts'
import { ForwardingPump } from './forwarding-pump.ts'
import type { OfferOutcome } from './offer-outcome.ts'
import { resultFrame } from './result-frame.ts'

export interface ForwardingInit {
  tasks: TaskService
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

const CHANNEL_PROBLEMS: readonly ChannelProblem[] = ['oversized', 'bad_length', 'not_json', 'invalid_message']
/** Finished tasks sent back per tick; the rest wait for the next one. */
const OUTBOX_BATCH = 64
const MAX_RETRY_MS = 30_000

/**
 * Both ends of a hand-off (see index.ts). Built with the relay; `attach` starts
 * serving `/mcpp/forward/1.0.0` on the libp2p node and a tick that renews the leases
 * this relay holds for owners, gives up tasks whose owner stopped confirming them,
 * and sends finished tasks' results back until the owner acknowledges them.
 */
export class ForwardingService {
  readonly #init: ForwardingInit
  readonly #refused: Counter<'reason'>
  #libp2p: Libp2p | undefined
  #ticker: ReturnType<typeof setInterval> | undefined
  /** Results and renewals on the way, and when a failed delivery may be tried again. */
  readonly #sending = new Set<string>()
  readonly #retryAt = new Map<string, { at: number; delayMs: number; owner: string }>()
  readonly #pump: ForwardingPump | undefined
  /** An owner that connects again gets the results kept for it now, not at the next retry. */
  readonly #reconnected = (event: CustomEvent<PeerId>) => {
    const owner = event.detail.toString()
    let due = false
    for (const retry of this.#retryAt.values()) {
      if (retry.owner !== owner) continue
      retry.at = 0
      due = true
    }
    if (due) this.#deliver()
  }

  constructor(init: ForwardingInit) {
    this.#init = init
    this.#refused = new Counter({
      name: 'mcpp_forward_refused_total',
      help: 'Forward protocol requests refused, by reason (not_member, stale, a malformed frame, …)',
      labelNames: ['reason'],
      registers: [init.registry],
    })
    for (const reason of [...FORWARD_REFUSALS, ...CHANNEL_PROBLEMS]) this.#refused.inc({ reason }, 0)
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
    side.onSubmitted(() => setImmediate(() => this.#pump?.run()))
    side.onSettled(() => this.#deliver())
    side.onHandOffRevoked((peerId, taskId, fence, reason) => {
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
    libp2p.addEventListener('peer:connect', this.#reconnected)
    // Members could not reach this relay while it was down: their leases restart now.
    this.#init.tasks.relaySide.resumeHandOffs(this.#init.leaseMs)
    this.#ticker = setInterval(() => this.#tick(), this.#init.tickMs)
    this.#ticker.unref?.()
    this.#tick()
  }

  detach(): void {
    clearInterval(this.#ticker)
    this.#ticker = undefined
    this.#libp2p?.removeEventListener('peer:connect', this.#reconnected)
    this.#libp2p = undefined
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
    if (task.inputCid !== null)
      return giveBack('unsupported', 'inputs stored as blocks are not forwarded yet')
    const offer: OfferMessage = {
      type: 'offer',
      taskId,
      fence,
      leaseMs: this.#init.leaseMs,
      task: {
        kind: task.kind,
        input: task.input,
        priority: task.priority,
        timeoutMs: task.timeoutMs,
        requires: task.requires,
        trust: task.trust,
      },
    }
    let reply: ForwardReply
    try {
      reply = await this.#send(peerId, offer, options)
    } catch (err) {
      return giveBack('unreachable', (err as Error).message)
    }
    if (reply.type === 'accepted') return { ok: true, task }
    const detail = reply.type === 'refused' ? (reply.detail ?? reply.reason) : 'unexpected reply'
    return giveBack(reply.type === 'refused' ? reply.reason : 'unexpected', detail)
  }

  #answer(peerId: string, request: ForwardRequest): ForwardReply {
    const side = this.#init.tasks.relaySide
    switch (request.type) {
      case 'offer':
        return this.#accept(peerId, request)
      case 'cancel': {
        const taskId = side.taskOf({ relay: peerId, remoteId: request.taskId, fence: request.fence })
        if (taskId === undefined) return this.#refusal(peerId, 'not_found', 'no such hand-off')
        side.close(taskId)
        this.#init.tasks.cancel(taskId, `cancelled by the owning relay: ${request.reason}`)
        return { type: 'accepted' }
      }
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
        // zod leaves absent optional fields out; it only types them as `| undefined`.
        const settled = side.handOffResult(peerId, taskId, fence, request as HandOffOutcome)
        if (settled.ok) return { type: 'accepted' }
        return this.#refusal(peerId, settled.reason, `result for ${taskId} under fence ${fence}`)
      }
    }
  }

  /** The runner's side of an offer: queued here with its origin, if a local worker runs the kind. */
  #accept(peerId: string, offer: OfferMessage): ForwardReply {
    const { task } = offer
    if (!this.#init.tasks.relaySide.runs(task.kind, task.requires))
      return this.#refusal(
        peerId,
        'no_capacity',
        `no worker here runs ${task.kind} with ${JSON.stringify(task.requires)}`,
      )
    const { task: accepted, created } = this.#init.tasks.relaySide.accept(
      { ...task, metadata: { forwardedFrom: peerId, remoteId: offer.taskId } },
      { relay: peerId, remoteId: offer.taskId, fence: offer.fence, leaseMs: offer.leaseMs },
    )
    if (created) this.#init.log.info('accepted a forwarded task', { from: peerId, taskId: accepted.id })
    return { type: 'accepted' }
  }

  #refusal(peerId: string, reason: (typeof FORWARD_REFUSALS)[number], detail: string): ForwardReply {
    this.#refuse(peerId, reason, detail)
    return { type: 'refused', reason, detail }
  }

  #refuse(peerId: string, reason: string, detail: string): void {
    this.#refused.inc({ reason })
    this.#init.log.warn('forward request refused', { peerId, reason, detail })
  }

  #send(peerId: string, frame: ForwardFrame, options: { signal?: AbortSignal } = {}): Promise<ForwardReply> {
    const libp2p = this.#libp2p
    if (libp2p === undefined) return Promise.reject(new Error('the libp2p node of this relay is not running'))
    return forwardRequest(libp2p, peerIdFromString(peerId), frame, options)
  }

  #tick(): void {
    this.#renew()
    this.#deliver()
    this.#pump?.run()
  }

  /** Renews, with each owner, the leases of the tasks held for it; gives up those whose lease ran out. */
  #renew(): void {
    const now = this.#init.now()
    const due = new Map<string, ForwardedRecord[]>()
    for (const held of this.#init.tasks.relaySide.held()) {
      const { origin } = held
      if (now - held.renewedAt > origin.leaseMs) {
        this.#abandon(held, 'the owning relay did not confirm its lease in time; it has taken the task back')
        continue
      }
      if (now - held.renewedAt < origin.leaseMs / 3) continue
      due.set(origin.relay, [...(due.get(origin.relay) ?? []), held])
    }
    for (const [relay, held] of due) {
      const key = `renew ${relay}`
      if (this.#sending.has(key)) continue
      this.#sending.add(key)
      const tasks = held.slice(0, 1024).map((h) => ({ taskId: h.origin.remoteId, fence: h.origin.fence }))
      this.#send(relay, { type: 'renew', tasks })
        .then((reply) => {
          const stale = new Set(reply.type === 'renewed' ? reply.stale : [])
          for (const h of held.slice(0, 1024)) {
            if (stale.has(h.origin.remoteId)) this.#abandon(h, 'the owning relay no longer leases it here')
            else if (reply.type === 'renewed') this.#init.tasks.relaySide.renewed(h.task.id)
          }
        })
        .catch((err: Error) => this.#init.log.debug('lease renewal failed', { relay, error: err.message }))
        .finally(() => this.#sending.delete(key))
    }
  }

  /** The owner has the task back: it stops here, and no result is sent. */
  #abandon(held: ForwardedRecord, reason: string): void {
    if (!this.#init.tasks.relaySide.close(held.task.id)) return
    this.#init.log.info('gave a forwarded task back to its owner', {
      taskId: held.task.id,
      owner: held.origin.relay,
      reason,
    })
    this.#init.tasks.cancel(held.task.id, reason)
  }

  /** Sends finished tasks' results to their owners; an unacknowledged one is tried again later. */
  #deliver(): void {
    if (this.#libp2p === undefined) return
    const now = this.#init.now()
    for (const held of this.#init.tasks.relaySide.outbox(OUTBOX_BATCH)) {
      const id = held.task.id
      const retry = this.#retryAt.get(id)
      if (this.#sending.has(id) || (retry !== undefined && retry.at > now)) continue
      this.#sending.add(id)
      resultFrame(this.#init.tasks, held)
        .then((frame) => this.#send(held.origin.relay, frame))
        .then((reply) => {
          // Accepted, or refused as stale: either way the owner has what it wants.
          this.#init.tasks.relaySide.close(id)
          this.#retryAt.delete(id)
          if (reply.type === 'refused')
            this.#init.log.info('the owner refused a forwarded result', { taskId: id, reason: reply.reason })
        })
        .catch((err: Error) => {
          // At least three tries per lease: a restarted owner waits one lease for them.
          const cap = Math.min(MAX_RETRY_MS, held.origin.leaseMs / 3)
          const delayMs = Math.min(cap, (retry?.delayMs ?? this.#init.tickMs / 2) * 2)
          this.#retryAt.set(id, { at: this.#init.now() + delayMs, delayMs, owner: held.origin.relay })
          this.#init.log.debug('result not delivered to its owner; retrying', {
            taskId: id,
            error: err.message,
          })
        })
        .finally(() => this.#sending.delete(id))
    }
  }
}
