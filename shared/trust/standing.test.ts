import { describe, expect, it } from 'vitest'
import {
  allowance,
  applyStandingEvent,
  FIRST_BAN_MS,
  FRESH_STANDING,
  isBanned,
  liveStrikes,
  type PeerStanding,
  STRIKE_DECAY_MS,
  STRIKES_PER_BAN,
  type StandingEvent,
} from './standing.ts'

function replay(events: StandingEvent[], now = 1_000, from: PeerStanding = FRESH_STANDING) {
  let s = from
  const bans: number[] = []
  for (const e of events) {
    const change = applyStandingEvent(s, e, now)
    s = change.standing
    if (change.ban) bans.push(change.ban.untilMs)
  }
  return { s, bans }
}

describe('peer standing', () => {
  it('bans after five strikes, then twice as long each time', () => {
    const five: StandingEvent[] = Array(STRIKES_PER_BAN).fill('violation')
    const first = replay(five)
    expect(first.bans).toEqual([1_000 + FIRST_BAN_MS])
    expect(isBanned(first.s, 1_000 + FIRST_BAN_MS - 1)).toBe(true)
    expect(isBanned(first.s, 1_000 + FIRST_BAN_MS)).toBe(false)
    const later = 1_000 + FIRST_BAN_MS
    const second = replay(five, later, first.s)
    expect(second.bans).toEqual([later + 2 * FIRST_BAN_MS])
  })

  it('forgets one strike per decay period', () => {
    const { s } = replay(['violation', 'violation', 'violation'])
    expect(liveStrikes(s, 1_000 + STRIKE_DECAY_MS)).toBe(2)
    expect(liveStrikes(s, 1_000 + 3 * STRIKE_DECAY_MS)).toBe(0)
  })

  it('bans a worker at once for a wrong answer', () => {
    const { s, bans } = replay(['agreed', 'disagreed'])
    expect(bans).toHaveLength(1)
    expect(s).toMatchObject({ agreed: 1, disagreed: 1, bans: 1 })
  })

  it('halves the allowance of a worker that keeps timing out, then bans it', () => {
    const one = replay(['timeout'])
    expect(allowance(one.s, 8)).toBe(4)
    const two = replay(['timeout', 'timeout'])
    expect(allowance(two.s, 8)).toBe(2)
    const three = replay(['timeout', 'timeout', 'timeout'])
    expect(three.bans).toHaveLength(1)
    const recovered = replay(['timeout', 'finished'])
    expect(allowance(recovered.s, 8)).toBe(8)
  })
})
