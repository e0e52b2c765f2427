import { describe, expect, it } from 'vitest'
import { choiceReason, type RelayState, rankRelays, stickyOrder } from './relay-choice.ts'

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

describe('stickyOrder', () => {
  const relays = ['r1', 'r2', 'r3', 'r4'].map((k) => state(k, { load: load(0) }))
  const callers = Array.from({ length: 400 }, (_, i) => `caller-${i}`)
  const first = (list: RelayState[], key: string) => stickyOrder(list, key, 0)[0]?.key

  it('sends one caller to the same relay whatever the load, and spreads callers over all relays', () => {
    const busy = relays.map((r, i) => ({ ...r, load: load(i * 10, i) }))
    const counts = new Map<string, number>()
    for (const caller of callers) {
      expect(first(busy, caller)).toBe(first(relays, caller))
      counts.set(first(relays, caller) ?? '', (counts.get(first(relays, caller) ?? '') ?? 0) + 1)
    }
    expect([...counts.keys()].sort()).toEqual(['r1', 'r2', 'r3', 'r4'])
    for (const n of counts.values()) expect(n).toBeGreaterThan(60) // 100 each on average
  })

  it('moves only the callers of a relay that leaves', () => {
    const without = relays.filter((r) => r.key !== 'r2')
    for (const caller of callers) {
      const before = first(relays, caller)
      if (before !== 'r2') expect(first(without, caller)).toBe(before)
    }
  })

  it('tries a relay marked down, then a stopping one, last', () => {
    const down = state('r1', { downUntil: 10 })
    const stopping = state('r2', { load: load(0, 0, 0, true) })
    const ok = state('r3', { load: load(0) })
    for (const caller of callers.slice(0, 20)) {
      expect(stickyOrder([down, stopping, ok], caller, 5).map((s) => s.key)).toEqual(['r3', 'r2', 'r1'])
    }
  })
})
