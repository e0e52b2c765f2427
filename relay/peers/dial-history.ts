import type { DialOutcome } from './dial-all.ts'

/** Addresses remembered; the oldest is forgotten first. */
const MAX_REMEMBERED = 1024

export interface LastDial {
  ok: boolean
  at: number
  peerId?: string
  error?: string
}

/**
 * The last dial result per address made by the peer and bootstrap tools, in memory
 * (a restart forgets it: `p2p_bootstrap_list` then says no dial is known).
 */
export class DialHistory {
  private readonly last = new Map<string, LastDial>()
  private readonly now: () => number

  constructor(now: () => number = Date.now) {
    this.now = now
  }

  record(outcome: DialOutcome): void {
    this.last.delete(outcome.multiaddr)
    this.last.set(outcome.multiaddr, {
      ok: outcome.ok,
      at: this.now(),
      ...(outcome.peerId === undefined ? {} : { peerId: outcome.peerId }),
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
    })
    if (this.last.size > MAX_REMEMBERED) {
      const oldest = this.last.keys().next().value
      if (oldest !== undefined) this.last.delete(oldest)
    }
  }

  get(address: string): LastDial | undefined {
    return this.last.get(address)
  }
}
