import { KEEP_ALIVE, type Libp2p, type PeerId, type Startable } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Logger } from '../log.ts'

/**
 * The tag that makes libp2p's connection manager redial a dropped link (its reconnect
 * queue matches any tag that starts with KEEP_ALIVE); the suffix keeps ours apart.
 */
export const RELAY_KEEP_ALIVE_TAG = `${KEEP_ALIVE}-mcpp-relay`

export type LinkState = 'connected' | 'redialling'

export interface Link {
  peerId: string
  /** Where this relay learned of the peer: `bootstrap-peers`, `peers-file` or `mdns`. */
  source: string
  state: LinkState
  /** When the state last changed. */
  since: number
  /** Failed dials since the link was last up. */
  failedDials: number
  /** The last dial's error, until the link is up again. */
  lastError?: string
  /** When this relay will next dial it itself (libp2p's reconnect queue may be quicker). */
  nextDialAt?: number
}

export interface LinkKeeperInit {
  log: Logger
  now: () => number
  /** First wait before this relay redials a link that is down; doubled per failure. */
  minRedialMs?: number
  /** The longest wait between two redials. */
  maxRedialMs?: number
  /** How long one dial may take. */
  dialTimeoutMs?: number
}

const MIN_REDIAL_MS = 2_000
const MAX_REDIAL_MS = 60_000
const DIAL_TIMEOUT_MS = 10_000
/** Links kept at most (configured peers are bounded; mDNS finds members only). */
const MAX_LINKS = 512

interface Kept extends Link {
  id: PeerId
  addresses: string[]
  timer?: ReturnType<typeof setTimeout>
}

/**
 * Keeps the links to the relays this relay was told about. Each is tagged KEEP_ALIVE,
 * so libp2p's reconnect queue redials a dropped link at once and then with backoff
 * (1 s doubling, 5 tries). That queue gives up after its tries and never dials a peer
 * that was down at start-up, so this keeper also dials every link that is down, from
 * 2 s doubling to once a minute, for as long as the relay runs, re-tagging the peer
 * and recording the error libp2p would only log.
 */
export class LinkKeeper implements Startable {
  readonly #libp2p: Libp2p
  readonly #init: Required<LinkKeeperInit>
  readonly #links = new Map<string, Kept>()
  #started = false

  constructor(libp2p: Libp2p, init: LinkKeeperInit) {
    this.#libp2p = libp2p
    this.#init = {
      minRedialMs: MIN_REDIAL_MS,
      maxRedialMs: MAX_REDIAL_MS,
      dialTimeoutMs: DIAL_TIMEOUT_MS,
      ...init,
    }
  }

  /** Adds a relay to keep connected; its addresses go to the peer store. */
  keep(peerId: string, addresses: readonly string[], source: string): void {
    const known = this.#links.get(peerId)
    if (known !== undefined) {
      for (const a of addresses) if (!known.addresses.includes(a)) known.addresses.push(a)
      return
    }
    if (this.#links.size >= MAX_LINKS || peerId === this.#libp2p.peerId.toString()) return
    const link: Kept = {
      id: peerIdFromString(peerId),
      peerId,
      source,
      addresses: [...addresses],
      state: this.#connected(peerIdFromString(peerId)) ? 'connected' : 'redialling',
      since: this.#init.now(),
      failedDials: 0,
    }
    this.#links.set(peerId, link)
    void this.#tag(link)
    if (this.#started && link.state === 'redialling') void this.#dial(link)
  }

  /** The link to `peerId`: kept ones with their state, others only if connected. */
  linkOf(peerId: string): Link | undefined {
    const kept = this.#links.get(peerId)
    if (kept !== undefined) return view(kept)
    let open: number | undefined
    try {
      const connections = this.#libp2p.getConnections(peerIdFromString(peerId))
      open = connections.find((c) => c.status === 'open')?.timeline.open
    } catch {}
    if (open === undefined) return undefined
    // It dialled us and is not in our lists: connected, but not redialled if it drops.
    return { peerId, source: 'inbound', state: 'connected', since: open, failedDials: 0 }
  }

  /**
   * Drops the keep-alive tag of peers no longer listed (tags persist in the peer store,
   * and libp2p redials tagged peers when it starts). Call before the node starts.
   */
  async forgetUnlisted(): Promise<void> {
    const stale = await this.#libp2p.peerStore.all({
      filters: [(peer) => peer.tags.has(RELAY_KEEP_ALIVE_TAG) && !this.#links.has(peer.id.toString())],
    })
    for (const peer of stale) {
      await this.#libp2p.peerStore.merge(peer.id, { tags: { [RELAY_KEEP_ALIVE_TAG]: undefined } })
    }
  }

  links(): Link[] {
    return [...this.#links.values()].map(view)
  }

  start(): void {
    if (this.#started) return
    this.#started = true
    this.#libp2p.addEventListener('peer:connect', this.#onConnect)
    this.#libp2p.addEventListener('peer:disconnect', this.#onDisconnect)
    this.#libp2p.addEventListener('peer:reconnect-failure', this.#onReconnectFailure)
    // A dial already under way to the same peer (the bootstrap module's) is joined, not doubled.
    for (const link of this.#links.values()) void this.#dial(link)
  }

  stop(): void {
    this.#started = false
    this.#libp2p.removeEventListener('peer:connect', this.#onConnect)
    this.#libp2p.removeEventListener('peer:disconnect', this.#onDisconnect)
    this.#libp2p.removeEventListener('peer:reconnect-failure', this.#onReconnectFailure)
    for (const link of this.#links.values()) clearTimeout(link.timer)
  }

  readonly #onConnect = (event: CustomEvent<PeerId>) => {
    const link = this.#links.get(event.detail.toString())
    if (link !== undefined) this.#up(link)
  }

  readonly #onDisconnect = (event: CustomEvent<PeerId>) => {
    const link = this.#links.get(event.detail.toString())
    if (link === undefined || !this.#started) return
    this.#init.log.info('relay link down; redialling', { peer: link.peerId })
    link.state = 'redialling'
    link.since = this.#init.now()
    this.#schedule(link)
  }

  /** libp2p's reconnect queue gave up and removed the tag: put it back, keep dialling. */
  readonly #onReconnectFailure = (event: CustomEvent<PeerId>) => {
    const link = this.#links.get(event.detail.toString())
    if (link !== undefined) void this.#tag(link)
  }

  #up(link: Kept): void {
    clearTimeout(link.timer)
    delete link.timer
    delete link.nextDialAt
    delete link.lastError
    if (link.state !== 'connected') {
      link.state = 'connected'
      link.since = this.#init.now()
      this.#init.log.info('relay link up', { peer: link.peerId, source: link.source })
    }
    link.failedDials = 0
    void this.#tag(link)
  }

  #schedule(link: Kept): void {
    if (!this.#started || link.timer !== undefined) return
    const wait = Math.min(
      this.#init.maxRedialMs,
      this.#init.minRedialMs * 2 ** Math.min(link.failedDials, 16),
    )
    link.nextDialAt = this.#init.now() + wait
    link.timer = setTimeout(() => {
      delete link.timer
      void this.#dial(link)
    }, wait)
    link.timer.unref?.()
  }

  async #dial(link: Kept): Promise<void> {
    if (!this.#started) return
    if (this.#connected(link.id)) return this.#up(link)
    try {
      await this.#tag(link)
      await this.#libp2p.dial(link.id, { signal: AbortSignal.timeout(this.#init.dialTimeoutMs) })
      this.#up(link)
    } catch (err) {
      if (!this.#started) return
      link.failedDials++
      link.lastError = (err as Error).message.slice(0, 300)
      this.#init.log.debug('relay dial failed', { peer: link.peerId, error: link.lastError })
      this.#schedule(link)
    }
  }

  /** Tags the peer KEEP_ALIVE and stores its addresses, so libp2p can redial it. */
  async #tag(link: Kept): Promise<void> {
    try {
      await this.#libp2p.peerStore.merge(link.id, {
        multiaddrs: link.addresses.map((a) => multiaddr(a)),
        tags: { [RELAY_KEEP_ALIVE_TAG]: { value: 100 } },
      })
    } catch (err) {
      // The peer store closes with the node; a failed tag only delays a redial.
      this.#init.log.debug('could not tag relay peer', { peer: link.peerId, error: (err as Error).message })
    }
  }

  #connected(id: PeerId): boolean {
    return this.#libp2p.getConnections(id).some((c) => c.status === 'open')
  }
}

function view(link: Kept): Link {
  const { id: _id, addresses: _addresses, timer: _timer, ...rest } = link
  return { ...rest }
}
