import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { type FakeWorker, fakeWorker, scriptedWorker } from './fake-worker.ts'
import { startTestRelay } from './helpers.ts'
import { identity } from './relay-identity.ts'
import { pairConfig, relayStatus } from './relay-pair.ts'

/**
 * A member gets no more offers than the free slots it announced, less those still in
 * use: a slot is free again when its task finishes, not when the member next announces.
 * Here A announces once an hour (and on a change it has not announced yet), and its one
 * worker has one slot; each task it finishes leaves A's capacity as it last announced
 * it, so it says nothing new, and B must not wait for it.
 */
let a: RunningRelay
let b: RunningRelay
let worker: FakeWorker

beforeAll(async () => {
  const idA = await identity()
  const idB = await identity()
  const hourly = (self: typeof idA, other: typeof idA) => {
    const config = pairConfig(self, other)
    return { ...config, relays: { ...config.relays, announceIntervalSeconds: 3600 } }
  }
  ;[a, b] = await Promise.all([startTestRelay(hourly(idA, idB)), startTestRelay(hourly(idB, idA))])
  worker = await fakeWorker(a.url)
  await scriptedWorker(worker, (task) => ({ output: task.input }), { kinds: ['echo'], concurrency: 1 })
  await vi.waitFor(
    async () => {
      const fromA = (await relayStatus(b)).relays.find((r: any) => r.peerId === idA.peerId)
      if (fromA?.capacity.freeSlots !== 1) throw new Error('B has not heard of A’s worker yet')
    },
    { timeout: 20_000, interval: 50 },
  )
})
afterAll(async () => {
  await worker?.stop()
  await Promise.all([a?.close(), b?.close()])
})

describe('offers to a member with one free slot', () => {
  it('run one task after another on it without waiting for its next announcement', async () => {
    const submitted = await b.components.tasks.submit(
      Array.from({ length: 6 }, (_, i) => ({ kind: 'echo', input: i })),
    )
    const { tasks, timedOut } = await b.components.tasks.waitMany(
      submitted.map((s) => s.task),
      { timeoutMs: 20_000 },
    )
    expect(timedOut).toBe(false)
    expect(tasks.map((t) => [t.state, t.output])).toEqual(submitted.map((_, i) => ['succeeded', i]))
  })
})
