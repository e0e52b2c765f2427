import { describe, expect, it } from 'vitest'
import {
  type CapacityMessage,
  capacityMessage,
  checkAnnouncement,
  MAX_ANNOUNCE_BYTES,
  MAX_ANNOUNCE_INTERVAL_SECONDS,
  MAX_ANNOUNCED_ADDRESSES,
  MAX_ANNOUNCED_GROUPS,
  MAX_ANNOUNCED_KINDS,
  MAX_ANNOUNCED_QUEUED,
  MAX_ANNOUNCED_SLOTS,
  MAX_ANNOUNCED_WORKERS,
  MAX_GROUP_CAPABILITIES,
  MAX_GROUPS_PER_KIND,
  MAX_REPORTED_MEAN_MS,
  MAX_REPORTED_RATE,
  MAX_REPORTED_WORKER_NAMES,
  MAX_REPORTED_WORKERS,
  MAX_THROUGHPUT_WINDOW_SECONDS,
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

const worker = (workerId: string, overrides: Record<string, unknown> = {}) => ({
  workerId,
  peerId: OTHER,
  name: 'chromium tab',
  kinds: ['echo'],
  capabilities: [],
  concurrency: 4,
  slots: 2,
  inFlight: 3,
  done: 10,
  failed: 1,
  meanMs: 12.5,
  draining: false,
  connection: 'websocket',
  ...overrides,
})
const throughput = { windowSeconds: 60, completedPerSecond: 2.5, failedPerSecond: 0.1, callsPerSecond: 3 }

describe('capacityMessage activity report (throughput and workers)', () => {
  it('accepts an announcement with throughput and workers, and one without (older relays)', () => {
    const withActivity = {
      ...message(),
      throughput,
      workers: { total: 2, listed: [worker('w1'), worker('w2')] },
    }
    expect(capacityMessage.safeParse(withActivity).success).toBe(true)
    expect(checkAnnouncement(capacityMessage.parse(withActivity), SELF)).toEqual({ ok: true })
    expect(capacityMessage.safeParse(message()).success).toBe(true)
  })

  it('refuses rates that are negative, not finite, absurd, or over an impossible window, and impossible intervals', () => {
    for (const bad of [
      { completedPerSecond: -1 },
      { failedPerSecond: Number.POSITIVE_INFINITY },
      { callsPerSecond: Number.NaN },
      { callsPerSecond: MAX_REPORTED_RATE + 1 },
      { windowSeconds: 0 },
      { windowSeconds: MAX_THROUGHPUT_WINDOW_SECONDS + 1 },
      { extra: 1 },
    ]) {
      const m = { ...message(), throughput: { ...throughput, ...bad } }
      expect(capacityMessage.safeParse(m).success, JSON.stringify(bad)).toBe(false)
    }
    for (const announceIntervalSeconds of [0, -1, MAX_ANNOUNCE_INTERVAL_SECONDS + 1]) {
      const m = { ...message(), announceIntervalSeconds }
      expect(capacityMessage.safeParse(m).success, String(announceIntervalSeconds)).toBe(false)
    }
  })

  it('bounds each reported worker: strings, name lists, counts and connection type', () => {
    for (const bad of [
      { workerId: '' },
      { name: 'x'.repeat(65) },
      { kinds: Array.from({ length: MAX_REPORTED_WORKER_NAMES + 1 }, (_, i) => `k${i}`) },
      { capabilities: ['x'.repeat(65)] },
      { inFlight: 257 },
      { done: -1 },
      { failed: 1.5 },
      { meanMs: MAX_REPORTED_MEAN_MS + 1 },
      { connection: 'carrier-pigeon' },
      { userAgent: 'extra field' },
    ]) {
      const m = { ...message(), workers: { total: 1, listed: [worker('w1', bad)] } }
      expect(capacityMessage.safeParse(m).success, JSON.stringify(bad).slice(0, 80)).toBe(false)
    }
  })

  it('refuses more listed workers than the wire allows', () => {
    const listed = Array.from({ length: MAX_REPORTED_WORKERS + 1 }, (_, i) => worker(`w${i}`))
    const m = { ...message(), workers: { total: listed.length, listed } }
    expect(capacityMessage.safeParse(m).success).toBe(false)
  })

  it('refuses a worker list longer than its total, or naming a worker twice', () => {
    for (const workers of [
      { total: 1, listed: [worker('w1'), worker('w2')] },
      { total: 5, listed: [worker('w1'), worker('w1')] },
    ]) {
      const m = capacityMessage.parse({ ...message(), workers })
      expect(checkAnnouncement(m, SELF), JSON.stringify(workers).slice(0, 80)).toMatchObject({
        ok: false,
        reason: 'inconsistent_capacity',
      })
    }
  })

  it('fits the largest valid announcement (ASCII names) within MAX_ANNOUNCE_BYTES', () => {
    const long = (prefix: string, i: number, length = 64) => `${prefix}${i}`.padEnd(length, 'x')
    const kinds = Array.from({ length: MAX_ANNOUNCED_KINDS }, (_, i) => long('k', i))
    const groupsPerKind = MAX_ANNOUNCED_GROUPS / MAX_GROUPS_PER_KIND
    const byKind = kinds.map((kind, k) => ({
      kind,
      workers: MAX_ANNOUNCED_WORKERS,
      freeSlots: MAX_ANNOUNCED_SLOTS,
      ...(k < groupsPerKind
        ? {
            groups: Array.from({ length: MAX_GROUPS_PER_KIND }, (_, g) => ({
              capabilities: Array.from({ length: MAX_GROUP_CAPABILITIES }, (_, c) => long(`c${g}-`, c)),
              workers: 1,
              freeSlots: 1,
            })),
          }
        : {}),
    }))
    const names = Array.from({ length: MAX_REPORTED_WORKER_NAMES }, (_, i) => long('n', i))
    const listed = Array.from({ length: MAX_REPORTED_WORKERS }, (_, i) =>
      worker(long('w', i, 128), {
        peerId: long('p', i, 128),
        name: long('name', i),
        kinds: names,
        capabilities: names,
        concurrency: 256,
        slots: 256,
        inFlight: 256,
        done: Number.MAX_SAFE_INTEGER,
        failed: Number.MAX_SAFE_INTEGER,
        meanMs: MAX_REPORTED_MEAN_MS - 0.123456789,
        connection: 'websocket',
      }),
    )
    const largest = {
      type: 'capacity' as const,
      multiaddrs: Array.from({ length: MAX_ANNOUNCED_ADDRESSES }, (_, i) => long('/dns4/', i, 512)),
      capacity: {
        workers: MAX_ANNOUNCED_WORKERS,
        slots: MAX_ANNOUNCED_SLOTS,
        freeSlots: MAX_ANNOUNCED_SLOTS,
        kinds,
        queued: MAX_ANNOUNCED_QUEUED,
        inFlight: MAX_ANNOUNCED_SLOTS,
        byKind,
      },
      throughput: {
        windowSeconds: MAX_THROUGHPUT_WINDOW_SECONDS - 0.123456789,
        completedPerSecond: MAX_REPORTED_RATE - 0.123456789,
        failedPerSecond: MAX_REPORTED_RATE - 0.123456789,
        callsPerSecond: MAX_REPORTED_RATE - 0.123456789,
      },
      workers: { total: MAX_ANNOUNCED_WORKERS, listed },
      announceIntervalSeconds: MAX_ANNOUNCE_INTERVAL_SECONDS - 0.123456789,
    }
    const parsed = capacityMessage.safeParse(largest)
    expect(parsed.error).toBeUndefined()
    const bytes = new TextEncoder().encode(JSON.stringify(largest)).length
    expect(bytes).toBeLessThanOrEqual(MAX_ANNOUNCE_BYTES)
  })
})
