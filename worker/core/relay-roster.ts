/**
 * The relays a task worker knows (issue 11, "Workers can use any relay"): the one it
 * was started with and the member relays its relay told it about in `welcome`. When
 * the connection drops, the worker redials the same relay a few times, then moves on
 * to the next one it knows, round the list.
 */
export interface KnownRelay {
  peerId: string
  /** Its addresses, each ending in /p2p/<peerId>; libp2p dials them as one peer. */
  addresses: string[]
}

export interface RelayRosterOptions {
  /** Failed dials (the drop counts as one) before moving to the next relay. */
  triesPerRelay?: number
  /** The current relay plus this many others are remembered. */
  maxOthers?: number
}

const peerIdOf = (address: string): string => address.slice(address.lastIndexOf('/p2p/') + 5)

export class RelayRoster {
  private relays: KnownRelay[]
  private index = 0
  private tries = 0
  private readonly triesPerRelay: number
  private readonly maxOthers: number

  constructor(home: string, options: RelayRosterOptions = {}) {
    this.relays = [{ peerId: peerIdOf(home), addresses: [home] }]
    this.triesPerRelay = options.triesPerRelay ?? 2
    this.maxOthers = options.maxOthers ?? 16
  }

  /** The relay to dial now. */
  current(): KnownRelay {
    return this.relays[this.index] as KnownRelay
  }

  /** Every relay known, the current one first. */
  known(): readonly KnownRelay[] {
    return [...this.relays.slice(this.index), ...this.relays.slice(0, this.index)]
  }

  /**
   * The current relay welcomed the worker and named `addresses` (already validated by
   * the wire schema). They come first among the others; relays learned earlier stay
   * after them, up to the bound, so a relay that has since gone quiet is still tried.
   */
  welcomed(addresses: readonly string[] = []): void {
    this.tries = 0
    const current = this.current()
    const learned = new Map<string, string[]>()
    for (const address of addresses) {
      const peerId = peerIdOf(address)
      if (peerId === current.peerId) continue
      learned.set(peerId, [...(learned.get(peerId) ?? []), address])
    }
    const others = [
      ...[...learned].map(([peerId, list]) => ({ peerId, addresses: list })),
      ...this.relays.filter((r) => r.peerId !== current.peerId && !learned.has(r.peerId)),
    ]
    this.relays = [current, ...others.slice(0, this.maxOthers)]
    this.index = 0
  }

  /**
   * The current relay refused this worker (admission): it is forgotten and the next
   * dial goes to the relay after it. False when it was the only one known.
   */
  refused(): boolean {
    if (this.relays.length === 1) return false
    this.relays.splice(this.index, 1)
    this.index %= this.relays.length
    this.tries = 0
    return true
  }

  /** A dial failed or the connection dropped; says whether the next dial goes elsewhere. */
  failed(): boolean {
    this.tries++
    if (this.tries < this.triesPerRelay || this.relays.length === 1) return false
    this.tries = 0
    this.index = (this.index + 1) % this.relays.length
    return true
  }
}
