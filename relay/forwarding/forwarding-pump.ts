import type { Logger } from '../log.ts'
import type { RelayInfo } from '../p2p/relay-directory.ts'
import type { TaskService } from '../task-queue/index.ts'
import type { OfferOutcome } from './offer-outcome.ts'

/** Offers one pass makes at most; the next tick or submission makes more. */
export const OFFERS_PER_PASS = 32

export interface ForwardingPumpInit {
  tasks: TaskService
  log: Logger
  /** Member relays' live announcements; undefined while the libp2p node is not running. */
  relays: () => readonly RelayInfo[] | undefined
  offer: (taskId: string, peerId: string) => Promise<OfferOutcome>
}

/**
 * Queue-level routing across relays (issue 11: "a sha256 task submitted to B stayed
 * queued forever while A had an idle sha256 worker"): queued tasks of a kind that no
 * dependable worker here runs are offered to member relays that announced the kind with
 * free slots. Each pass is bounded (OFFERS_PER_PASS), and a member gets no more offers
 * than the free slots it announced until it announces again. A member that refused a
 * kind is not offered it again until its next announcement, so a refusal costs one
 * offer, not one per tick. Kinds this relay's workers run stay with the dispatcher.
 */
export class ForwardingPump {
  readonly #init: ForwardingPumpInit
  /** Per member: the announcement its budget is counted from, and the offers made since. */
  readonly #used = new Map<string, { seen: number; offers: number }>()
  /** `peer kind` → the announcement under which the member refused that kind. */
  readonly #refused = new Map<string, number>()
  #running = false

  constructor(init: ForwardingPumpInit) {
    this.#init = init
  }

  /** Makes one pass, unless one is still waiting for its answers. */
  run(): void {
    if (this.#running) return
    const relays = this.#init.relays()
    if (relays === undefined || relays.length === 0) return
    const here = this.#init.tasks.taskKinds()
    const budget = new Map<string, number>()
    for (const relay of relays) {
      const seen = relay.lastSeen ?? 0
      const used = this.#used.get(relay.peerId)
      if (used === undefined || used.seen !== seen) this.#used.set(relay.peerId, { seen, offers: 0 })
      const offers = this.#used.get(relay.peerId)?.offers ?? 0
      budget.set(relay.peerId, relay.capacity.freeSlots - offers)
    }
    const offers: Array<{ taskId: string; relay: RelayInfo; kind: string }> = []
    const kinds = new Set(relays.flatMap((r) => r.capacity.kinds).filter((k) => !here.has(k)))
    for (const kind of kinds) {
      const takers = relays.filter(
        (r) =>
          r.capacity.kinds.includes(kind) &&
          (budget.get(r.peerId) ?? 0) > 0 &&
          this.#refused.get(`${r.peerId} ${kind}`) !== (r.lastSeen ?? 0),
      )
      const room = takers.reduce((n, r) => n + (budget.get(r.peerId) ?? 0), 0)
      const limit = Math.min(room, OFFERS_PER_PASS - offers.length)
      if (limit <= 0) continue
      for (const taskId of this.#init.tasks.relaySide.forwardable(kind, limit)) {
        // The member with the most room left takes the next task.
        const relay = takers.reduce((a, b) =>
          (budget.get(b.peerId) ?? 0) > (budget.get(a.peerId) ?? 0) ? b : a,
        )
        budget.set(relay.peerId, (budget.get(relay.peerId) ?? 0) - 1)
        const used = this.#used.get(relay.peerId)
        if (used !== undefined) used.offers++
        offers.push({ taskId, relay, kind })
      }
    }
    if (offers.length === 0) return
    this.#running = true
    void Promise.all(offers.map((o) => this.#offer(o.taskId, o.relay, o.kind))).finally(() => {
      this.#running = false
    })
  }

  async #offer(taskId: string, relay: RelayInfo, kind: string): Promise<void> {
    const outcome = await this.#init
      .offer(taskId, relay.peerId)
      .catch((err: Error): OfferOutcome => ({ ok: false, reason: 'unreachable', detail: err.message }))
    if (outcome.ok) {
      this.#init.log.info('forwarded a queued task no local worker runs', { taskId, kind, to: relay.peerId })
      return
    }
    if (outcome.reason === 'not_queued') return
    this.#refused.set(`${relay.peerId} ${kind}`, relay.lastSeen ?? 0)
    this.#init.log.info('a member relay did not take a queued task', {
      taskId,
      kind,
      to: relay.peerId,
      reason: outcome.reason,
      detail: outcome.detail,
    })
  }
}
