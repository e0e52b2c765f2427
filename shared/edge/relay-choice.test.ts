import { describe, expect, it } from 'vitest'
import { choiceReason, type RelayState, rankRelays } from './relay-choice.ts'

const state = (key: string, over: Partial<RelayState> = {}): RelayState => ({
  key,
  url: `http://${key}.test:8000`,
  downUntil: 0,
  placed: 0,
  ...over,
})
const load = (sessions: number, calls = 0, freeSlots = 0, stopping = false) => ({
  sessions,
  calls,
  workers: 1,
  freeSlots,
  stopping,
})

describe('rankRelays', () => {
  it('puts the least busy relay first, counting sessions placed since the probe', () => {
    const a = state('a', { load: load(3) })
    const b = state('b', { load: load(1), placed: 5 })
    expect(rankRelays([a, b], 0).map((s) => s.key)).toEqual(['a', 'b'])
  })

  it('weighs running calls above idle sessions and breaks ties by free slots, then key', () => {
    const a = state('a', { load: load(0, 1) })
    const b = state('b', { load: load(3, 0) })
    expect(rankRelays([a, b], 0).map((s) => s.key)).toEqual(['b', 'a'])
    const c = state('c', { load: load(0, 0, 1) })
    const d = state('d', { load: load(0, 0, 9) })
    expect(rankRelays([c, d], 0).map((s) => s.key)).toEqual(['d', 'c'])
    expect(rankRelays([state('z'), state('y')], 0).map((s) => s.key)).toEqual(['y', 'z'])
  })

  it('tries relays marked down last, until the mark expires', () => {
    const a = state('a', { downUntil: 100, load: load(0) })
    const b = state('b', { load: load(50, 10) })
    expect(rankRelays([a, b], 50).map((s) => s.key)).toEqual(['b', 'a'])
    expect(rankRelays([a, b], 100).map((s) => s.key)).toEqual(['a', 'b'])
  })

  it('puts a stopping relay after the running ones', () => {
    const a = state('a', { load: load(0, 0, 0, true) })
    const b = state('b', { load: load(9, 9) })
    expect(rankRelays([a, b], 0).map((s) => s.key)).toEqual(['b', 'a'])
  })
})

describe('choiceReason', () => {
  it('names the host and what the probe said', () => {
    expect(choiceReason(state('a', { load: load(2, 1, 4) }), 0)).toBe(
      'relay a.test:8000 (2 sessions, 1 calls running, 4 free worker slots)',
    )
    expect(choiceReason(state('a'), 0)).toBe('relay a.test:8000 (not probed yet)')
  })
})
