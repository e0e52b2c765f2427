import { describe, expect, it } from 'vitest'
import {
  type CapacityMessage,
  capacityMessage,
  checkAnnouncement,
  MAX_ANNOUNCED_SLOTS,
} from './announce-messages.ts'

const SELF = '12D3KooWPmA148B5puWDbpx8T5643ioX4WQ94g5LmE735YM38Zpp'
const OTHER = '12D3KooWHCv3ptH4e9znj975CJQDksz4tyagto1LrgdXLjErmLkr'

function message(capacity: Partial<CapacityMessage['capacity']> = {}, multiaddrs: string[] = []) {
  return {
    type: 'capacity' as const,
    multiaddrs,
    capacity: { workers: 2, slots: 8, freeSlots: 3, kinds: ['echo', 'sha256'], queued: 5, ...capacity },
  }
}

describe('capacityMessage', () => {
  it('accepts what a real relay announces', () => {
    expect(capacityMessage.safeParse(message()).success).toBe(true)
  })

  it('refuses free slots above what any relay can hold', () => {
    const parsed = capacityMessage.safeParse(message({ workers: 1024, slots: 999_999, freeSlots: 999_999 }))
    expect(parsed.success).toBe(false)
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain('capacity.freeSlots')
  })

  it('refuses negative, fractional and non-numeric counts', () => {
    for (const bad of [{ workers: -1 }, { queued: 1.5 }, { slots: Number.NaN }, { freeSlots: '3' }]) {
      expect(capacityMessage.safeParse(message(bad as never)).success).toBe(false)
    }
  })

  it('refuses unknown fields, long strings and long lists', () => {
    expect(capacityMessage.safeParse({ ...message(), extra: 1 }).success).toBe(false)
    expect(capacityMessage.safeParse(message({ kinds: ['x'.repeat(65)] })).success).toBe(false)
    const kinds = Array.from({ length: 129 }, (_, i) => `k${i}`)
    expect(capacityMessage.safeParse(message({ kinds })).success).toBe(false)
  })
})

describe('checkAnnouncement', () => {
  it('accepts consistent counts and addresses that name the announcer', () => {
    const m = message({}, [`/ip4/127.0.0.1/tcp/8001/ws/p2p/${SELF}`, '/dns4/relay.example/tcp/443/wss'])
    expect(checkAnnouncement(m, SELF)).toEqual({ ok: true })
  })

  it('accepts workers by kind and load that add up, and refuses ones that do not', () => {
    const byKind = [
      { kind: 'echo', workers: 2, freeSlots: 3 },
      { kind: 'sha256', workers: 1, freeSlots: 1 },
    ]
    expect(checkAnnouncement(message({ byKind, inFlight: 5 }), SELF)).toEqual({ ok: true })
    for (const bad of [
      { byKind: [{ kind: 'other', workers: 1, freeSlots: 0 }] },
      { byKind: [byKind[0]!, byKind[0]!] },
      { byKind: [{ kind: 'echo', workers: 3, freeSlots: 0 }] },
      { byKind: [{ kind: 'echo', workers: 1, freeSlots: 4 }] },
      { inFlight: 2 * 256 + 1 },
    ]) {
      expect(checkAnnouncement(message(bad), SELF), JSON.stringify(bad)).toMatchObject({
        ok: false,
        reason: 'inconsistent_capacity',
      })
    }
  })

  it('refuses more free slots than slots', () => {
    expect(checkAnnouncement(message({ slots: 4, freeSlots: 5 }), SELF)).toMatchObject({
      ok: false,
      reason: 'inconsistent_capacity',
    })
  })

  it('refuses more slots than its workers can run', () => {
    const m = message({ workers: 1, slots: MAX_ANNOUNCED_SLOTS, freeSlots: 0 })
    expect(checkAnnouncement(m, SELF)).toMatchObject({ ok: false, reason: 'inconsistent_capacity' })
  })

  it('refuses a repeated kind', () => {
    expect(checkAnnouncement(message({ kinds: ['echo', 'echo'] }), SELF)).toMatchObject({
      ok: false,
      reason: 'inconsistent_capacity',
    })
  })

  it('refuses an address that does not parse', () => {
    expect(checkAnnouncement(message({}, ['/ip4/999.1.1.1/tcp/1']), SELF)).toMatchObject({
      ok: false,
      reason: 'bad_address',
    })
  })

  it('refuses an address that leads to another peer, also behind a circuit', () => {
    const direct = `/ip4/10.0.0.1/tcp/8001/ws/p2p/${OTHER}`
    const circuit = `/ip4/10.0.0.1/tcp/8001/ws/p2p/${SELF}/p2p-circuit/p2p/${OTHER}`
    for (const address of [direct, circuit]) {
      expect(checkAnnouncement(message({}, [address]), SELF)).toMatchObject({
        ok: false,
        reason: 'foreign_address',
      })
    }
  })
})
