/**
 * A peer's standing with this relay, by PeerId (issue 9): protocol strikes with
 * temporary bans that grow with each ban, and a reputation from verified answers and
 * timeouts. Pure: the relay persists the values (relay/trust/peer-standing-store.ts)
 * and acts on the decisions.
 */
export interface PeerStanding {
  /** Strikes since the last ban, decaying by one per STRIKE_DECAY_MS without a new one. */
  strikes: number
  lastStrikeAt: number
  /** Bans so far: each ban lasts twice as long as the one before. */
  bans: number
  bannedUntil: number
  /** Answers that verification confirmed, and answers it proved wrong. */
  agreed: number
  disagreed: number
  /** Timeouts in a row; any finished task resets it. */
  consecutiveTimeouts: number
}

export type StandingEvent =
  /** Garbage, an oversized or invalid frame, junk before hello, a refused admission, a bad output. */
  | 'violation'
  /** A verified answer (quorum or spot-check) matched. */
  | 'agreed'
  /** A verified answer was wrong: the worker lied or is broken. */
  | 'disagreed'
  /** A task ran past its time limit on this worker. */
  | 'timeout'
  /** A task finished on time (answer not verified). */
  | 'finished'

export const STRIKES_PER_BAN = 5
export const STRIKE_DECAY_MS = 10 * 60_000
export const FIRST_BAN_MS = 60_000
export const MAX_BAN_MS = 24 * 60 * 60_000
/** A wrong answer weighs as much as this many strikes. */
export const DISAGREEMENT_STRIKES = STRIKES_PER_BAN
/** Timeouts in a row after which a worker is banned; before that its allowance halves with each. */
export const MAX_CONSECUTIVE_TIMEOUTS = 3

export const FRESH_STANDING: Readonly<PeerStanding> = Object.freeze({
  strikes: 0,
  lastStrikeAt: 0,
  bans: 0,
  bannedUntil: 0,
  agreed: 0,
  disagreed: 0,
  consecutiveTimeouts: 0,
})

export interface StandingChange {
  standing: PeerStanding
  /** Set when this event started a ban. */
  ban?: { untilMs: number; reason: string }
}

/** Strikes still counting at `now` (one decays per STRIKE_DECAY_MS since the last). */
export function liveStrikes(s: PeerStanding, now: number): number {
  if (s.strikes === 0) return 0
  return Math.max(0, s.strikes - Math.floor((now - s.lastStrikeAt) / STRIKE_DECAY_MS))
}

export function isBanned(s: PeerStanding, now: number): boolean {
  return s.bannedUntil > now
}

/** The next standing after `event`, and the ban it starts if any. */
export function applyStandingEvent(s: PeerStanding, event: StandingEvent, now: number): StandingChange {
  switch (event) {
    case 'violation':
      return addStrikes(s, 1, now, 'protocol strikes')
    case 'disagreed':
      return addStrikes({ ...s, disagreed: s.disagreed + 1 }, DISAGREEMENT_STRIKES, now, 'a wrong answer')
    case 'agreed':
      return { standing: { ...s, agreed: s.agreed + 1, consecutiveTimeouts: 0 } }
    case 'finished':
      return s.consecutiveTimeouts === 0 ? { standing: s } : { standing: { ...s, consecutiveTimeouts: 0 } }
    case 'timeout': {
      const next = { ...s, consecutiveTimeouts: s.consecutiveTimeouts + 1 }
      if (next.consecutiveTimeouts < MAX_CONSECUTIVE_TIMEOUTS) return { standing: next }
      return startBan(
        { ...next, consecutiveTimeouts: 0 },
        now,
        `${MAX_CONSECUTIVE_TIMEOUTS} timeouts in a row`,
      )
    }
  }
}

function addStrikes(s: PeerStanding, n: number, now: number, reason: string): StandingChange {
  const strikes = liveStrikes(s, now) + n
  const next = { ...s, strikes, lastStrikeAt: now }
  if (strikes < STRIKES_PER_BAN) return { standing: next }
  return startBan({ ...next, strikes: 0 }, now, reason)
}

function startBan(s: PeerStanding, now: number, reason: string): StandingChange {
  const ms = Math.min(MAX_BAN_MS, FIRST_BAN_MS * 2 ** s.bans)
  const untilMs = Math.max(s.bannedUntil, now + ms)
  return { standing: { ...s, bans: s.bans + 1, bannedUntil: untilMs }, ban: { untilMs, reason } }
}

/**
 * How many of its announced tasks a worker may hold: halved for each timeout in a row,
 * so a worker that takes tasks and never answers gets fewer, then none (it is banned
 * at MAX_CONSECUTIVE_TIMEOUTS).
 */
export function allowance(s: PeerStanding, announced: number): number {
  return Math.floor(announced / 2 ** s.consecutiveTimeouts)
}

/** Whether the router may count on this worker for a call that could also run locally. */
export function dependable(s: PeerStanding, now: number): boolean {
  return !isBanned(s, now) && s.consecutiveTimeouts === 0
}
