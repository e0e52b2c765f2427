import { describe, expect, it } from 'vitest'
import {
  type Capacity,
  MAX_ANNOUNCED_GROUPS,
  MAX_GROUP_CAPABILITIES,
  MAX_GROUPS_PER_KIND,
} from '../wire/announce-messages.ts'
import { boundGroups, capabilityGroups, capabilitySetsFor, freeSlotsFor } from './member-capacity.ts'

const worker = (kinds: string[], capabilities: string[], freeSlots: number) => ({
  kinds,
  capabilities,
  freeSlots,
})

describe('capabilityGroups', () => {
  it('groups a kind’s workers by their set of capabilities, and leaves out those with none', () => {
    const groups = capabilityGroups([
      worker(['embed', 'echo'], ['gpu', 'mcpp:member'], 2),
      worker(['embed'], ['mcpp:member', 'gpu'], 1),
      worker(['embed'], ['gpu'], 4),
      worker(['embed'], [], 8),
    ])
    expect(groups.get('embed')).toEqual([
      { capabilities: ['gpu'], workers: 1, freeSlots: 4 },
      { capabilities: ['gpu', 'mcpp:member'], workers: 2, freeSlots: 3 },
    ])
    expect(groups.get('echo')).toEqual([{ capabilities: ['gpu', 'mcpp:member'], workers: 1, freeSlots: 2 }])
  })

  it('announces at most MAX_GROUP_CAPABILITIES names per worker and the freest groups per kind', () => {
    const many = Array.from(
      { length: MAX_GROUP_CAPABILITIES + 4 },
      (_, i) => `c${String(i).padStart(2, '0')}`,
    )
    const [only] = capabilityGroups([worker(['echo'], many, 1)]).get('echo') ?? []
    expect(only?.capabilities).toEqual(many.slice(0, MAX_GROUP_CAPABILITIES))
    const workers = Array.from({ length: MAX_GROUPS_PER_KIND + 3 }, (_, i) => worker(['echo'], [`c${i}`], i))
    const kept = capabilityGroups(workers).get('echo') ?? []
    expect(kept).toHaveLength(MAX_GROUPS_PER_KIND)
    expect(kept[0]).toMatchObject({ capabilities: [`c${MAX_GROUPS_PER_KIND + 2}`] })
  })
})

describe('boundGroups', () => {
  it('keeps the groups with the most free slots over all kinds', () => {
    const byKind = Array.from({ length: MAX_ANNOUNCED_GROUPS / MAX_GROUPS_PER_KIND + 1 }, (_, k) => ({
      kind: `k${k}`,
      groups: Array.from({ length: MAX_GROUPS_PER_KIND }, (_, i) => ({
        capabilities: [`c${i}`],
        workers: 1,
        freeSlots: k,
      })),
    }))
    const bounded = boundGroups(byKind)
    expect(bounded.flatMap((k) => k.groups ?? [])).toHaveLength(MAX_ANNOUNCED_GROUPS)
    expect(bounded[0]?.groups).toEqual([])
    expect(bounded.at(-1)?.groups).toHaveLength(MAX_GROUPS_PER_KIND)
  })
})

describe('freeSlotsFor', () => {
  const capacity: Capacity = {
    workers: 3,
    slots: 12,
    freeSlots: 9,
    kinds: ['embed', 'echo'],
    queued: 0,
    byKind: [
      {
        kind: 'embed',
        workers: 3,
        freeSlots: 7,
        groups: [
          { capabilities: ['gpu', 'mcpp:member'], workers: 1, freeSlots: 2 },
          { capabilities: ['gpu'], workers: 1, freeSlots: 4 },
        ],
      },
      { kind: 'echo', workers: 1, freeSlots: 1 },
    ],
  }

  it('counts every worker of the kind for a task without requirements', () => {
    expect(freeSlotsFor(capacity, 'embed', [])).toBe(7)
    expect(freeSlotsFor(capacity, 'wasm', [])).toBe(0)
    const { byKind: _byKind, ...old } = capacity
    expect(freeSlotsFor(old, 'echo', [])).toBe(9)
  })

  it('counts only groups that have every required capability', () => {
    expect(freeSlotsFor(capacity, 'embed', ['gpu'])).toBe(6)
    expect(freeSlotsFor(capacity, 'embed', ['mcpp:member', 'gpu'])).toBe(2)
    expect(freeSlotsFor(capacity, 'embed', ['avx'])).toBe(0)
  })

  it('counts nothing for a requirement on a relay that announces no groups', () => {
    expect(freeSlotsFor(capacity, 'echo', ['gpu'])).toBe(0)
    const { byKind: _byKind, ...old } = capacity
    expect(freeSlotsFor(old, 'embed', ['gpu'])).toBe(0)
  })

  it('lists the capability sets with free slots', () => {
    expect(capabilitySetsFor(capacity, 'embed')).toEqual([['gpu', 'mcpp:member'], ['gpu']])
    expect(capabilitySetsFor(capacity, 'echo')).toEqual([])
  })
})
