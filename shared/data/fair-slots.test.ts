import { describe, expect, it } from 'vitest'
import { FairSlots, type Release } from './fair-slots.ts'

/** Records the order in which waiting acquisitions are granted, releasing each at once. */
function track(order: string[], label: string, p: Promise<Release> | undefined): Promise<void> {
  if (!p) throw new Error(`${label} was refused`)
  return p.then((release) => {
    order.push(label)
    release()
  })
}

describe('FairSlots', () => {
  it('grants up to the global bound at once and makes the rest wait', async () => {
    const slots = new FairSlots({ maxRunning: 2, maxPerKey: 5 })
    await slots.acquire('a')
    await slots.acquire('b')
    let third = false
    void slots.acquire('c')?.then(() => {
      third = true
    })
    await Promise.resolve()
    expect(third).toBe(false)
    expect(slots.running).toBe(2)
    expect(slots.waiting).toBe(1)
  })

  it('refuses a key at its cap, counting its waiting items, while other keys still get in', async () => {
    const slots = new FairSlots({ maxRunning: 1, maxPerKey: 2 })
    const first = await slots.acquire('a')
    expect(first).toBeTypeOf('function')
    const waiting = slots.acquire('a')
    expect(waiting).toBeInstanceOf(Promise)
    expect(slots.acquire('a')).toBeUndefined()
    expect(slots.acquire('b')).toBeInstanceOf(Promise)
    expect(slots.held('a')).toBe(2)
  })

  it('serves waiting keys in turn, so a busy key cannot starve a quiet one', async () => {
    const slots = new FairSlots({ maxRunning: 1, maxPerKey: 10 })
    const order: string[] = []
    const running = (await slots.acquire('busy')) as Release
    const waits = [
      track(order, 'busy-2', slots.acquire('busy')),
      track(order, 'busy-3', slots.acquire('busy')),
      track(order, 'busy-4', slots.acquire('busy')),
      track(order, 'quiet-1', slots.acquire('quiet')),
    ]
    running()
    await Promise.all(waits)
    expect(order).toEqual(['busy-2', 'quiet-1', 'busy-3', 'busy-4'])
    expect(slots.running).toBe(0)
    expect(slots.held('busy')).toBe(0)
  })

  it('gives up a waiting place on abort, rejecting with the reason, and passes the slot on', async () => {
    const slots = new FairSlots({ maxRunning: 1, maxPerKey: 5 })
    const running = (await slots.acquire('a')) as Release
    const controller = new AbortController()
    const abandoned = slots.acquire('b', controller.signal)
    const next = slots.acquire('c')
    controller.abort(new Error('gone'))
    await expect(abandoned).rejects.toThrow('gone')
    expect(slots.held('b')).toBe(0)
    running()
    await expect(next).resolves.toBeTypeOf('function')
    expect(slots.running).toBe(1)
  })

  it('refuses an already aborted acquisition without taking a place', async () => {
    const slots = new FairSlots({ maxRunning: 1, maxPerKey: 1 })
    await expect(slots.acquire('a', AbortSignal.abort(new Error('late')))).rejects.toThrow('late')
    expect(slots.held('a')).toBe(0)
  })

  it('counts a release once, however often it is called', async () => {
    const slots = new FairSlots({ maxRunning: 1, maxPerKey: 2 })
    const release = (await slots.acquire('a')) as Release
    const other = slots.acquire('b')
    release()
    release()
    await other
    expect(slots.running).toBe(1)
    expect(slots.held('a')).toBe(0)
  })
})
