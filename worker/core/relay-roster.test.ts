import { describe, expect, it } from 'vitest'
import { RelayRoster } from './relay-roster.ts'

const A = '/ip4/127.0.0.1/tcp/9001/ws/p2p/12D3KooWAAAA'
const B = '/ip4/127.0.0.1/tcp/9002/ws/p2p/12D3KooWBBBB'
const B2 = '/ip4/10.0.0.2/tcp/9002/ws/p2p/12D3KooWBBBB'
const C = '/ip4/127.0.0.1/tcp/9003/ws/p2p/12D3KooWCCCC'

describe('RelayRoster', () => {
  it('keeps redialling its only relay', () => {
    const roster = new RelayRoster(A)
    for (let i = 0; i < 5; i++) expect(roster.failed()).toBe(false)
    expect(roster.current().addresses).toEqual([A])
  })

  it('moves to the next learned relay after the tries on the current one, and round the list', () => {
    const roster = new RelayRoster(A, { triesPerRelay: 2 })
    roster.welcomed([B, B2, C])
    expect(roster.current().peerId).toBe('12D3KooWAAAA')
    expect(roster.failed()).toBe(false)
    expect(roster.failed()).toBe(true)
    expect(roster.current()).toEqual({ peerId: '12D3KooWBBBB', addresses: [B, B2] })
    roster.failed()
    roster.failed()
    expect(roster.current().addresses).toEqual([C])
    roster.failed()
    roster.failed()
    expect(roster.current().addresses).toEqual([A])
  })

  it('puts the new relay first once it welcomes the worker and keeps the ones learned before', () => {
    const roster = new RelayRoster(A, { triesPerRelay: 1 })
    roster.welcomed([B])
    roster.failed()
    // B knows A and C; A is already known, C is new.
    roster.welcomed([A, C])
    expect(roster.known().map((r) => r.addresses[0])).toEqual([B, A, C])
  })

  it('ignores its own relay in the list and stays within the bound', () => {
    const roster = new RelayRoster(A, { maxOthers: 1 })
    roster.welcomed([A, B, C])
    expect(roster.known().map((r) => r.addresses[0])).toEqual([A, B])
  })

  it('forgets a relay that refused the worker and goes on with the next, but never forgets the last one', () => {
    const roster = new RelayRoster(A)
    roster.welcomed([B, C])
    roster.failed()
    roster.failed()
    expect(roster.current().addresses[0]).toBe(B)
    expect(roster.refused()).toBe(true)
    expect(roster.known().map((r) => r.addresses[0])).toEqual([C, A])
    expect(roster.refused()).toBe(true)
    expect(roster.refused()).toBe(false)
    expect(roster.current().addresses).toEqual([A])
  })
})
