import type { EdgeRelay } from '../../shared/edge/edge-config.ts'
import {
  EDGE_CLIENT_HEADER,
  EDGE_IDENTITY_HEADER,
  EDGE_SECRET_HEADER,
} from '../../shared/edge/edge-headers.ts'
import { DOWN_FOR_MS, type RelayLoad, type RelayState, rankRelays } from '../../shared/edge/relay-choice.ts'

/** How old the relays' loads may get before they are asked again. */
export const PROBE_EVERY_MS = 2_000
/**
 * Up to this age, loads are asked again behind the request that noticed (it routes by
 * what is known); older, the request waits for the answers. Failures seen by forwards
 * mark a relay at once either way.
 */
const ROUTE_BY_STALE_MS = 30_000
/** A probe that takes longer than this counts as a failure. */
const PROBE_TIMEOUT_MS = 1_000

/** Who the edge forwards for: the identity it authenticated and the client's address. */
export interface Forwarded {
  identity: string | undefined
  client: string
}

/**
 * A forward that got no answer. workerd reports a refused connection and one lost
 * mid-way alike ("Network connection lost"), so the request may or may not have run
 * there: only what is harmless to repeat goes to another relay (edge-mcp.ts).
 */
export class RelayUnreachable extends Error {
  override name = 'RelayUnreachable'
  readonly relay: RelayState
  constructor(relay: RelayState, cause: unknown) {
    super(`relay ${new URL(relay.url).host} is unreachable: ${(cause as Error)?.message ?? cause}`)
    this.relay = relay
  }
}

function isLoad(value: unknown): value is RelayLoad {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  const count = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 1e9
  return (
    count(v.sessions) &&
    count(v.calls) &&
    count(v.workers) &&
    count(v.freeSlots) &&
    typeof v.stopping === 'boolean'
  )
}

/**
 * The relays behind this Worker instance, with what it last learnt of each: their load
 * from `/api/capacity` (probed at most every PROBE_EVERY_MS, and only when something
 * new must be placed) and failures seen by forwards. Each instance keeps its own view;
 * routing an existing session needs none of it (the session id names the relay).
 */
export class RelayPool {
  readonly #secret: string
  #states: RelayState[] = []
  #probedAt = Number.NEGATIVE_INFINITY
  #probing: Promise<void> | undefined
  #probeStarted = 0

  constructor(relays: readonly EdgeRelay[], secret: string) {
    this.#secret = secret
    this.update(relays)
  }

  /** A new relay list (KV changed): kept relays keep what was learnt of them. */
  update(relays: readonly EdgeRelay[]): void {
    const old = new Map(this.#states.map((s) => [s.key, s]))
    this.#states = relays.map((r) => old.get(r.key) ?? { key: r.key, url: r.url, downUntil: 0, placed: 0 })
  }

  get states(): readonly RelayState[] {
    return this.#states
  }

  byKey(key: string): RelayState | undefined {
    return this.#states.find((s) => s.key === key)
  }

  /** The relays best first; loads older than PROBE_EVERY_MS are asked again (see ROUTE_BY_STALE_MS). */
  async ranked(): Promise<RelayState[]> {
    const age = Date.now() - this.#probedAt
    if (age > PROBE_EVERY_MS) {
      const probing = this.probe()
      if (age > ROUTE_BY_STALE_MS) await probing
    }
    return rankRelays(this.#states, Date.now())
  }

  /**
   * Asks every relay for its load; one round at a time. A round that a finished request
   * took with it (the runtime may cancel what a response leaves behind) is given up
   * after twice the probe timeout, so probing never stops for good.
   */
  probe(): Promise<void> {
    if (this.#probing !== undefined && Date.now() - this.#probeStarted < 2 * PROBE_TIMEOUT_MS)
      return this.#probing
    this.#probeStarted = Date.now()
    const round: Promise<void> = Promise.all(this.#states.map((s) => this.#probeOne(s))).then(() => {
      this.#probedAt = Date.now()
      if (this.#probing === round) this.#probing = undefined
    })
    this.#probing = round
    return round
  }

  async #probeOne(state: RelayState): Promise<void> {
    try {
      const res = await fetch(new URL('/api/capacity', state.url), {
        headers: { [EDGE_SECRET_HEADER]: this.#secret },
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      })
      const body: unknown = res.ok ? await res.json() : undefined
      if (!isLoad(body)) throw new Error(`/api/capacity answered ${res.status}`)
      state.load = body
      state.placed = 0
      state.downUntil = 0
    } catch {
      this.markDown(state)
    }
  }

  markDown(state: RelayState): void {
    state.downUntil = Date.now() + DOWN_FOR_MS
    state.load = undefined
  }

  /** Counts a session placed on `state` until the next probe sees it. */
  placed(state: RelayState): void {
    state.placed++
  }

  /**
   * Sends one request to a relay as the edge: with the secret, the caller's identity
   * and address, and none of the client's own credentials or cookies. No answer is
   * RelayUnreachable, and marks the relay down for a while.
   */
  async send(
    state: RelayState,
    path: string,
    init: { method: string; headers: Headers; body?: string | undefined; signal?: AbortSignal | undefined },
    who: Forwarded,
  ): Promise<Response> {
    const headers = new Headers(init.headers)
    headers.set(EDGE_SECRET_HEADER, this.#secret)
    headers.set(EDGE_CLIENT_HEADER, who.client)
    if (who.identity === undefined) headers.delete(EDGE_IDENTITY_HEADER)
    else headers.set(EDGE_IDENTITY_HEADER, who.identity)
    try {
      return await fetch(new URL(path, state.url), {
        method: init.method,
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      })
    } catch (err) {
      if (init.signal?.aborted) throw err
      this.markDown(state)
      throw new RelayUnreachable(state, err)
    }
  }
}
