import { describe, expect, it } from 'vitest'
import {
  type CapacityMessage,
  capacityMessage,
  checkAnnouncement,
  MAX_ANNOUNCED_GROUPS,
  MAX_ANNOUNCED_SLOTS,
  MAX_GROUP_CAPABILITIES,
  MAX_GROUPS_PER_KIND,
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

  it('accepts an announcement without capability groups (as relays before them sent)', () => {
    const byKind = [{ kind: 'echo', workers: 2, freeSlots: 3 }]
    expect(capacityMessage.safeParse(message({ byKind })).success).toBe(true)
  })

  it('bounds capability groups: names, capabilities per group and groups per kind', () => {
    const group = (capabilities: string[]) => ({ capabilities, workers: 1, freeSlots: 1 })
    const withGroups = (groups: unknown[]) =>
      message({ byKind: [{ kind: 'echo', workers: 2, freeSlots: 3, groups }] as never })
    expect(capacityMessage.safeParse(withGroups([group(['gpu'])])).success).toBe(true)
    const tooMany = Array.from({ length: MAX_GROUP_CAPABILITIES + 1 }, (_, i) => `c${i}`)
    for (const bad of [
      [group([])],
      [group(['x'.repeat(65)])],
      [group(tooMany)],
      Array.from({ length: MAX_GROUPS_PER_KIND + 1 }, (_, i) => group([`c${i}`])),
      [{ ...group(['gpu']), extra: 1 }],
      [{ ...group(['gpu']), workers: 0 }],
    ]) {
      expect(capacityMessage.safeParse(withGroups(bad)).success, JSON.stringify(bad).slice(0, 80)).toBe(false)
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

describe('checkAnnouncement of capability groups', () => {
  const withGroups = (groups: Array<{ capabilities: string[]; workers: number; freeSlots: number }>) =>
    message({ byKind: [{ kind: 'echo', workers: 2, freeSlots: 3, groups }] })

  it('accepts groups that partition the kind’s workers', () => {
    const groups = [
      { capabilities: ['gpu', 'mcpp:member'], workers: 1, freeSlots: 2 },
      { capabilities: ['gpu'], workers: 1, freeSlots: 1 },
    ]
    expect(checkAnnouncement(withGroups(groups), SELF)).toEqual({ ok: true })
  })

  it('refuses repeated sets, repeated names and groups larger than their kind', () => {
    for (const groups of [
      [
        { capabilities: ['gpu', 'avx'], workers: 1, freeSlots: 1 },
        { capabilities: ['avx', 'gpu'], workers: 1, freeSlots: 1 },
      ],
      [{ capabilities: ['gpu', 'gpu'], workers: 1, freeSlots: 1 }],
      [{ capabilities: ['gpu'], workers: 3, freeSlots: 1 }],
      [
        { capabilities: ['gpu'], workers: 1, freeSlots: 2 },
        { capabilities: ['avx'], workers: 1, freeSlots: 2 },
      ],
    ]) {
      expect(checkAnnouncement(withGroups(groups), SELF), JSON.stringify(groups)).toMatchObject({
        ok: false,
        reason: 'inconsistent_capacity',
      })
    }
  })

  it('refuses more groups in all than an announcement may carry', () => {
    const kinds = Array.from({ length: MAX_ANNOUNCED_GROUPS / MAX_GROUPS_PER_KIND + 1 }, (_, i) => `k${i}`)
    const byKind = kinds.map((kind) => ({
      kind,
      workers: MAX_GROUPS_PER_KIND,
      freeSlots: 0,
      groups: Array.from({ length: MAX_GROUPS_PER_KIND }, (_, i) => ({
        capabilities: [`c${i}`],
        workers: 1,
        freeSlots: 0,
      })),
    }))
    const m = message({ workers: MAX_GROUPS_PER_KIND, slots: 8, freeSlots: 0, kinds, byKind })
    expect(capacityMessage.safeParse(m).success).toBe(true)
    expect(checkAnnouncement(m, SELF)).toMatchObject({ ok: false, reason: 'inconsistent_capacity' })
    const fits = { ...m, capacity: { ...m.capacity, byKind: byKind.slice(1) } }
    expect(checkAnnouncement(fits, SELF)).toEqual({ ok: true })
  })
})
