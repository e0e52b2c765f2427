import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type {
  ForwardCancel,
  ForwardFrame,
  ForwardRefusal,
  ForwardReply,
  OfferMessage,
} from '../../shared/wire/forward-messages.ts'
import type { Logger } from '../log.ts'
import type { ContentStore } from '../p2p/content-store.ts'
import type { TaskService } from '../task-queue/index.ts'
import type { ForwardedRecord } from '../task-queue/relay-side.ts'
import { fetchBlock, storeBlock } from './block-transfer.ts'
import { ProgressForwarder } from './progress-forwarder.ts'
import { resultFrame } from './result-frame.ts'

/** How long a payload block may take to move between members (64 MiB at most, MAX_BLOCK_BYTES). */
export const BLOCK_TIMEOUT_MS = 30_000
/** Finished tasks sent back per tick; the rest wait for the next one. */
const OUTBOX_BATCH = 64
const MAX_RETRY_MS = 30_000

export interface RunnerSideInit {
  tasks: TaskService
  content: ContentStore
  log: Logger
  now: () => number
  tickMs: number
  /** The relay's libp2p node while it runs. */
  libp2p: () => Libp2p | undefined
  send: (peerId: string, frame: ForwardFrame) => Promise<ForwardReply>
  /** Refuses a request (counted and logged by the service). */
  refusal: (peerId: string, reason: ForwardRefusal, detail: string) => ForwardReply
  /** A member's task was queued here. */
  accepted: () => void
}

/**
 * Relay A's side of hand-offs (index.ts): it accepts members' tasks (fetching a large
 * input first), passes their progress on, renews their leases with their owners, gives
 * up those whose owner stopped confirming them, and sends finished tasks' results back
 * (storing a large output on the owner first) until the owner acknowledges them.
 */
export class RunnerSide {
  readonly #init: RunnerSideInit
  readonly #progress: ProgressForwarder
  /** Results and renewals on the way, and when a failed delivery may be tried again. */
  readonly #sending = new Set<string>()
  readonly #retryAt = new Map<string, { at: number; delayMs: number; owner: string }>()
  /** An owner that connects again gets the results kept for it now, not at the next retry. */
  readonly #reconnected = (event: CustomEvent<PeerId>) => {
    const owner = event.detail.toString()
    let due = false
    for (const retry of this.#retryAt.values()) {
      if (retry.owner !== owner) continue
      retry.at = 0
      due = true
    }
    if (due) this.deliver()
  }
  #listening: Libp2p | undefined

  constructor(init: RunnerSideInit) {
    this.#init = init
    this.#progress = new ProgressForwarder(init)
  }

  /** Tasks held across a restart report their progress again. */
  start(): void {
    for (const held of this.#init.tasks.relaySide.held()) this.#progress.watch(held.task.id, held.origin)
    this.#listening = this.#init.libp2p()
    this.#listening?.addEventListener('peer:connect', this.#reconnected)
  }

  stop(): void {
    this.#progress.stopAll()
    this.#listening?.removeEventListener('peer:connect', this.#reconnected)
    this.#listening = undefined
  }

  tick(): void {
    this.#renew()
    this.deliver()
  }

  /**
   * An offer: queued here with its origin, if a local worker runs the kind. A large
   * input is fetched from the owner first (checked against its CID and kept in this
   * relay's blockstore, where the workers here fetch it).
   */
  async accept(peerId: string, offer: OfferMessage): Promise<ForwardReply> {
    const { task } = offer
    const side = this.#init.tasks.relaySide
    if (!side.runs(task.kind, task.requires))
      return this.#init.refusal(
        peerId,
        'no_capacity',
        `no worker here runs ${task.kind} with ${JSON.stringify(task.requires)}`,
      )
    const origin = { relay: peerId, remoteId: offer.taskId, fence: offer.fence, leaseMs: offer.leaseMs }
    if (task.inputCid !== undefined && side.taskOf(origin) === undefined) {
      const problem = await this.#fetchInput(peerId, task.inputCid)
      if (problem !== undefined) return this.#init.refusal(peerId, 'input_unavailable', problem)
    }
    const { task: accepted, created } = side.accept(
      { ...task, metadata: { forwardedFrom: peerId, remoteId: offer.taskId } },
      origin,
    )
    if (created) {
      this.#init.accepted()
      this.#progress.watch(accepted.id, origin)
      this.#init.log.info('accepted a forwarded task', { from: peerId, taskId: accepted.id })
    }
    return { type: 'accepted' }
  }

  /** The owner cancelled a task it handed here. */
  cancel(peerId: string, request: ForwardCancel): ForwardReply {
    const side = this.#init.tasks.relaySide
    const taskId = side.taskOf({ relay: peerId, remoteId: request.taskId, fence: request.fence })
    if (taskId === undefined) return this.#init.refusal(peerId, 'not_found', 'no such hand-off')
    side.close(taskId)
    this.#init.tasks.cancel(taskId, `cancelled by the owning relay: ${request.reason}`)
    return { type: 'accepted' }
  }

  /** Sends finished tasks' results to their owners; an unacknowledged one is tried again later. */
  deliver(): void {
    if (this.#init.libp2p() === undefined) return
    const now = this.#init.now()
    for (const held of this.#init.tasks.relaySide.outbox(OUTBOX_BATCH)) {
      const id = held.task.id
      const retry = this.#retryAt.get(id)
      if (this.#sending.has(id) || (retry !== undefined && retry.at > now)) continue
      this.#sending.add(id)
      resultFrame({ ...this.#init, storeOnOwner: (bytes) => this.#storeOnOwner(held, bytes) }, held)
        .then((frame) => this.#init.send(held.origin.relay, frame))
        .then((reply) => {
          // The owner lost track of the output block (it restarted in between): store it and send again.
          if (reply.type === 'refused' && reply.reason === 'output_unavailable')
            throw new Error(reply.detail ?? reply.reason)
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

  /** Copies input block `cid` from the owner into this relay's blockstore; what went wrong, if anything. */
  async #fetchInput(peerId: string, cid: string): Promise<string | undefined> {
    const libp2p = this.#init.libp2p()
    if (libp2p === undefined) return 'the libp2p node of this relay is not running'
    try {
      const signal = AbortSignal.timeout(BLOCK_TIMEOUT_MS)
      const bytes = await fetchBlock(libp2p, peerIdFromString(peerId), cid, { signal })
      const stored = await this.#init.content.put(bytes)
      return stored === cid ? undefined : `the input block was stored as ${stored}, not ${cid}`
    } catch (err) {
      return `input block ${cid}: ${(err as Error).message}`.slice(0, 512)
    }
  }

  #storeOnOwner(held: ForwardedRecord, bytes: Uint8Array): Promise<string> {
    const libp2p = this.#init.libp2p()
    if (libp2p === undefined) return Promise.reject(new Error('the libp2p node of this relay is not running'))
    const { relay, remoteId, fence } = held.origin
    return storeBlock(
      libp2p,
      peerIdFromString(relay),
      bytes,
      { taskId: remoteId, fence },
      { signal: AbortSignal.timeout(BLOCK_TIMEOUT_MS) },
    )
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
      this.#init
        .send(relay, { type: 'renew', tasks })
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
}
