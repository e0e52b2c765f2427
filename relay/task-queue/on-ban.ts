import type { Counter } from 'prom-client'
import { loopTurn } from '../event-loop-turn.ts'
import type { Logger } from '../log.ts'
import type { PeerStandingStore } from '../trust/peer-standing-store.ts'
import type { TaskStore } from './store/task-store.ts'

/** Results of a worker caught lying are re-run if they finished this recently. */
const DISCARD_WINDOW_MS = 24 * 60 * 60_000
/** Results re-queued per turn of the event loop, and in all per ban. */
const DISCARD_BATCH = 500
const DISCARD_MAX = 10_000

export interface OnBanInit {
  standing: PeerStandingStore
  store: TaskStore
  bans: Counter<'reason'>
  log: Logger
  now: () => number
  /** Tasks went back to the queue: assign them. */
  pump(): void
}

/**
 * What a ban does to the queue: counted and logged always; a ban for a wrong answer
 * also throws away the results that worker gave without a check in the last day and
 * queues those tasks again, a batch per turn so that no turn holds the event loop long.
 */
export function handleBans(init: OnBanInit): void {
  init.standing.onBan(({ peerId, reason, event }) => {
    init.bans.inc({ reason: event })
    init.log.warn('peer banned', { peerId, reason })
    if (event !== 'disagreed') return
    const since = init.now() - DISCARD_WINDOW_MS
    let total = 0
    const batch = () => {
      const discarded = init.store.discardUnverified(peerId, since, DISCARD_BATCH)
      total += discarded.length
      init.pump()
      if (discarded.length === DISCARD_BATCH && total < DISCARD_MAX) void loopTurn().then(batch)
      else if (total > 0)
        init.log.warn('unverified results of a lying worker re-run', { peerId, tasks: total })
    }
    batch()
  })
}
