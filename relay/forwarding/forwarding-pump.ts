import { capabilitySetsFor, freeSlotsFor } from '../../shared/network/member-capacity.ts'
import type { Logger } from '../log.ts'
import type { RelayInfo } from '../p2p/relay-directory.ts'
import type { TaskService } from '../task-queue/index.ts'
import type { OfferOutcome } from './offer-outcome.ts'

/** Offers one pass makes at most; the next tick or submission makes more. */
export const OFFERS_PER_PASS = 32
/** Refusals remembered; past this they are forgotten (a member is asked again, once). */
const MAX_REFUSALS = 4096

export interface ForwardingPumpInit {
  tasks: TaskService
  log: Logger
  /** Member relays' live announcements; undefined while the libp2p node is not running. */
  relays: () => readonly RelayInfo[] | undefined
  offer: (taskId: string, peerId: string) => Promise<OfferOutcome>
}

interface Offer {
  taskId: string
  relay: RelayInfo
  kind: string
  /** The task's requirements, as the refusal memory keys them. */
  requires: string
}

/**
 * Queue-level routing across relays (issue 11: "a sha256 task submitted to B stayed
 * queued forever while A had an idle sha256 worker"): queued tasks that no dependable
 * worker here can run are offered to member relays that announced free slots for them:
 * for their kind, and for tasks that require capabilities (`gpu`, `mcpp:member`), in a
 * group of workers that has them all (shared/network/member-capacity.ts). Tasks of a
 * kind this relay's workers run stay with the dispatcher unless they require what none
 * of those workers has. Each pass is bounded (OFFERS_PER_PASS), and a member gets no
 * more offers than the free slots it announced, less the tasks offered to it since that
 * announcement that it still runs: one that finishes frees its slot at once, without
 * waiting for the member's next announcement (which need not come: a member back to
 * the capacity it announced last says nothing new). A member that
 * refused a kind (with some requirements) is not offered it again until its next
 * announcement, so a refusal costs one offer, not one per tick.
 */
export class ForwardingPump {
  readonly #init: ForwardingPumpInit
  /** Per member: the announcement its budget is counted from, and the tasks handed to it since that it still runs. */
  readonly #used = new Map<string, { seen: number; open: Set<string> }>()
  /** `peer kind requires` → the announcement under which the member refused such a task. */
  readonly #refused = new Map<string, number>()
  #running = false
  #again = false
  #scheduled = false

  constructor(init: ForwardingPumpInit) {
    this.#init = init
  }

  /** Makes a pass soon: once per turn of the event loop, however often it is asked. */
  schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.run()
    })
  }

  /** Makes one pass; asked while one waits for its answers, it makes another after it. */
  run(): void {
    if (this.#running) {
      this.#again = true
      return
    }
    const relays = this.#init.relays()
    if (relays === undefined || relays.length === 0) return
    const budget = this.#budget(relays)
    const here = this.#init.tasks.taskKinds()
    const offers: Offer[] = []
    const picked = new Set<string>()
    for (const kind of new Set(relays.flatMap((r) => r.capacity.kinds))) {
      // Tasks without requirements where no worker here runs the kind; then those with
      // requirements, per capability set a member announced for the kind.
      const sets = relays.flatMap((r) => capabilitySetsFor(r.capacity, kind))
      const scopes = here.has(kind) ? sets : [[], ...sets]
      const seenScopes = new Set<string>()
      for (const scope of scopes) {
        const key = JSON.stringify(scope)
        if (seenScopes.has(key)) continue
        seenScopes.add(key)
        const room = OFFERS_PER_PASS - offers.length
        if (room <= 0) break
        for (const taskId of this.#init.tasks.relaySide.forwardable(kind, room, scope)) {
          if (picked.has(taskId)) continue
          const requires = this.#init.tasks.get(taskId)?.requires ?? []
          if (here.has(kind) && this.#init.tasks.relaySide.runs(kind, requires)) continue
          const relay = this.#taker(relays, budget, kind, requires)
          if (relay === undefined) continue
          picked.add(taskId)
          budget.set(relay.peerId, (budget.get(relay.peerId) ?? 0) - 1)
          this.#used.get(relay.peerId)?.open.add(taskId)
          offers.push({ taskId, relay, kind, requires: requires.join(',') })
        }
      }
    }
    if (offers.length === 0) return
    this.#running = true
    void Promise.all(offers.map((o) => this.#offer(o)))
      .then((outcomes) => {
        const taken = outcomes.filter(Boolean).length
        this.#init.log.info('offered queued tasks no local worker can run to member relays', {
          offered: offers.length,
          forwarded: taken,
        })
      })
      .finally(() => {
        this.#running = false
        if (this.#again) {
          this.#again = false
          this.schedule()
        }
      })
  }

  /** Free slots each member announced, less the tasks handed to it since that announcement that it still runs. */
  #budget(relays: readonly RelayInfo[]): Map<string, number> {
    const budget = new Map<string, number>()
    const side = this.#init.tasks.relaySide
    for (const relay of relays) {
      const seen = relay.lastSeen ?? 0
      let used = this.#used.get(relay.peerId)
      if (used === undefined || used.seen !== seen) {
        used = { seen, open: new Set() }
        this.#used.set(relay.peerId, used)
      }
      for (const taskId of used.open) if (!side.handedTo(relay.peerId, taskId)) used.open.delete(taskId)
      budget.set(relay.peerId, relay.capacity.freeSlots - used.open.size)
    }
    return budget
  }

  /** The member with the most room left among those with free slots for this task. */
  #taker(
    relays: readonly RelayInfo[],
    budget: ReadonlyMap<string, number>,
    kind: string,
    requires: readonly string[],
  ): RelayInfo | undefined {
    let best: RelayInfo | undefined
    for (const r of relays) {
      const room = budget.get(r.peerId) ?? 0
      if (room <= 0 || freeSlotsFor(r.capacity, kind, requires) <= 0) continue
      if (this.#refused.get(`${r.peerId} ${kind} ${requires.join(',')}`) === (r.lastSeen ?? 0)) continue
      if (best === undefined || room > (budget.get(best.peerId) ?? 0)) best = r
    }
    return best
  }

  /** Offers one task; true when the member took it. */
  async #offer({ taskId, relay, kind, requires }: Offer): Promise<boolean> {
    const outcome = await this.#init
      .offer(taskId, relay.peerId)
      .catch((err: Error): OfferOutcome => ({ ok: false, reason: 'unreachable', detail: err.message }))
    if (outcome.ok) {
      this.#init.log.debug('forwarded a queued task', { taskId, kind, to: relay.peerId })
      return true
    }
    if (outcome.reason === 'not_queued') return false
    if (this.#refused.size >= MAX_REFUSALS) this.#refused.clear()
    this.#refused.set(`${relay.peerId} ${kind} ${requires}`, relay.lastSeen ?? 0)
    this.#init.log.info('a member relay did not take a queued task', {
      taskId,
      kind,
      to: relay.peerId,
      reason: outcome.reason,
      detail: outcome.detail,
    })
    return false
  }
}
