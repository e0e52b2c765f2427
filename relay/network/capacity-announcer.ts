import type { IdentifyResult, Libp2p, Startable } from '@libp2p/interface'
import { ANNOUNCE_PROTOCOL, type Capacity } from '../../shared/wire/announce-messages.ts'
import type { Logger } from '../log.ts'
import type { RelayDirectory } from '../p2p/relay-directory.ts'

export interface CapacityAnnouncerInit {
  /** Every connected member is told this relay's capacity this often, changed or not. */
  intervalMs: number
  /** A change is announced within this long, and announcements are at most this frequent. */
  settleMs?: number
  /** This relay's capacity now (relay-directory.ts `capacityOf`). */
  capacity: () => Capacity
  /** Subscribes to changes that may alter the capacity; returns the unsubscribe. */
  onChange: (listener: () => void) => () => void
  log: Logger
}

const SETTLE_MS = 200

/**
 * Keeps member relays' view of this relay current without anyone calling a tool
 * (issue 11): a full round on a timer (which also refreshes each member's `ageMs`), one
 * within `settleMs` of a change of capacity, and one to each member as soon as
 * identify tells this relay it speaks the announce protocol. Rounds never overlap: a
 * change during a round is sent after it. Sending is relay-directory.ts's `announce`,
 * so only configured members are told.
 */
export class CapacityAnnouncer implements Startable {
  readonly #libp2p: Libp2p
  readonly #directory: RelayDirectory
  readonly #init: Required<CapacityAnnouncerInit>
  #ticker: ReturnType<typeof setInterval> | undefined
  #settle: ReturnType<typeof setTimeout> | undefined
  #unsubscribe: (() => void) | undefined
  #running: Promise<void> | undefined
  #again = false
  #last = ''
  #abort = new AbortController()

  constructor(libp2p: Libp2p, directory: RelayDirectory, init: CapacityAnnouncerInit) {
    this.#libp2p = libp2p
    this.#directory = directory
    this.#init = { settleMs: SETTLE_MS, ...init }
  }

  start(): void {
    if (this.#ticker !== undefined) return
    this.#abort = new AbortController()
    this.#ticker = setInterval(() => this.#round(), this.#init.intervalMs)
    this.#ticker.unref?.()
    this.#unsubscribe = this.#init.onChange(() => this.#changed())
    this.#libp2p.addEventListener('peer:identify', this.#onIdentify)
  }

  stop(): void {
    clearInterval(this.#ticker)
    clearTimeout(this.#settle)
    this.#ticker = undefined
    this.#settle = undefined
    this.#unsubscribe?.()
    this.#libp2p.removeEventListener('peer:identify', this.#onIdentify)
    this.#abort.abort(new Error('the relay is stopping'))
  }

  /** A member that has just been identified gets this relay's capacity at once. */
  readonly #onIdentify = (event: CustomEvent<IdentifyResult>) => {
    const peerId = event.detail.peerId.toString()
    if (!this.#directory.isMember(peerId) || !event.detail.protocols.includes(ANNOUNCE_PROTOCOL)) return
    void this.#directory
      .announce({ to: [peerId], signal: this.#abort.signal })
      .catch((err: Error) => this.#init.log.debug('announce failed', { peer: peerId, error: err.message }))
  }

  /** Throttled: the first change starts the wait, later ones ride along. */
  #changed(): void {
    if (this.#settle !== undefined || this.#ticker === undefined) return
    this.#settle = setTimeout(() => {
      this.#settle = undefined
      if (JSON.stringify(this.#init.capacity()) !== this.#last) this.#round()
    }, this.#init.settleMs)
    this.#settle.unref?.()
  }

  #round(): void {
    if (this.#ticker === undefined) return
    if (this.#running !== undefined) {
      this.#again = true
      return
    }
    this.#last = JSON.stringify(this.#init.capacity())
    this.#running = this.#directory
      .announce({ signal: this.#abort.signal })
      .then(
        (outcome) => {
          if (outcome.failed.length > 0)
            this.#init.log.debug('some member relays were not told our capacity', { failed: outcome.failed })
        },
        (err: Error) => this.#init.log.debug('capacity announcement failed', { error: err.message }),
      )
      .finally(() => {
        this.#running = undefined
        if (this.#again) {
          this.#again = false
          this.#round()
        }
      })
  }
}
