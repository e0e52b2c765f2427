import { murmur3 } from '../text/murmur3.ts'
/**
 * Which relay takes a new MCP session or a session-less call at the edge (issue 14).
 * Pure: the edge feeds it what its probes and its own forwards saw.
 */
export interface RelayLoad {
  /** MCP sessions open on the relay. */
  sessions: number
  /** tools/call requests running on it now. */
  calls: number
  workers: number
  /** Free task slots of its connected workers. */
  freeSlots: number
  /** A relay that is stopping takes nothing new. */
  stopping: boolean
}

export interface RelayState {
  key: string
  url: string
  /** Until when the relay is skipped after it failed (0: not marked). */
  downUntil: number
  /** What its last probe said; undefined before the first answer. */
  load?: RelayLoad | undefined
  /** Sessions this edge instance placed on it since that probe (the probe has not seen them yet). */
  placed: number
}

/** How long a relay that refused or failed is skipped before it is tried again. */
export const DOWN_FOR_MS = 5_000

function busy(state: RelayState): number {
  const load = state.load
  return (load?.sessions ?? 0) + state.placed + 4 * (load?.calls ?? 0)
}

/**
 * The relays to try for something new, best first. Relays marked down come last (so a
 * call still tries them when every relay is marked), then stopping ones. Among the
 * rest, the least busy (sessions, counting the ones placed since the probe, and
 * running calls weighed more), then the most free worker slots, then the key.
 */
export function rankRelays(states: readonly RelayState[], now: number): RelayState[] {
  const tier = (s: RelayState) => (s.downUntil > now ? 2 : s.load?.stopping ? 1 : 0)
  return [...states].sort(
    (a, b) =>
      tier(a) - tier(b) ||
      busy(a) - busy(b) ||
      (b.load?.freeSlots ?? 0) - (a.load?.freeSlots ?? 0) ||
      a.key.localeCompare(b.key),
  )
}

/** Why a relay was chosen, for the decision the edge reports. */
export function choiceReason(state: RelayState, now: number): string {
  const host = new URL(state.url).host
  if (state.downUntil > now) return `relay ${host} (every relay failed recently; trying again)`
  const load = state.load
  if (load === undefined) return `relay ${host} (not probed yet)`
  return `relay ${host} (${load.sessions} sessions, ${load.calls} calls running, ${load.freeSlots} free worker slots)`
}

/**
 * The relays to try for a session-less (2026-07-28) request of the caller `key`: the
 * same order for the same caller while the relay list holds, so a task submitted in one
 * request is on the relay the next request reads it from (the task queue is per relay).
 * Rendezvous hashing: each relay scores hash(key, relay key), highest first, so a
 * relay that joins or leaves moves only the callers that scored it highest. Relays
 * marked down, then stopping ones, still come last, as in `rankRelays`.
 */
export function stickyOrder(states: readonly RelayState[], key: string, now: number): RelayState[] {
  const tier = (s: RelayState) => (s.downUntil > now ? 2 : s.load?.stopping ? 1 : 0)
  const score = new Map(states.map((s) => [s.key, rendezvousScore(key, s.key)]))
  return [...states].sort(
    (a, b) =>
      tier(a) - tier(b) || (score.get(b.key) ?? 0) - (score.get(a.key) ?? 0) || a.key.localeCompare(b.key),
  )
}

const UTF8 = new TextEncoder()

/** MurmurHash3 of `key`, a separator and `relay`: the relay's score for this caller. */
export function rendezvousScore(key: string, relay: string): number {
  return murmur3(UTF8.encode(`${key}\u0000${relay}`))
}
