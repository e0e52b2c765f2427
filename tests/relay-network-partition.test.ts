import { describe, expect, it, vi } from 'vitest'
import {
  finished,
  LEASE_SECONDS,
  linkState,
  openHandOffs,
  relayNet,
  STALE,
  SUCCEEDED,
  submitJobs,
  testWorker,
  WAIT,
} from './relay-net.ts'
import { spawnRelay } from './relay-process.ts'

/**
 * Issue 11, "bad input and faults": the link between two member relay processes
 * (through a proxy each) is cut and healed while tasks are forwarded. B owns the tasks
 * a client submitted to it; A's worker runs them.
 */

describe('a partition between member relays that heals', () => {
  it('delivers every result the member kept while the link was down, when it heals within the lease', async () => {
    const net = await relayNet({ leaseSeconds: 30 })
    const workers = []
    try {
      // More results than yamux lets a fresh connection open streams for before it is set up (10).
      const count = 24
      const holder = await testWorker(net.a, { by: 'A', hold: true, concurrency: count })
      workers.push(holder)
      const ids = await submitJobs(net.b, 0, count)
      await vi.waitFor(() => expect(holder.assigned).toHaveLength(count), WAIT)
      // Peers learn only the proxy's address (--p2p-announce), so a cut proxy is a partition.
      const { p2p } = (await (await fetch(`${net.a.url}/api/p2p`)).json()) as {
        p2p: { multiaddrs: string[] }
      }
      expect(p2p.multiaddrs).toEqual([net.a.proxy.address(net.a.id.peerId)])
      net.cut()
      await holder.answerAll()
      await vi.waitFor(async () => {
        expect(await linkState(net.b, net.a)).not.toBe('connected')
        const { counts } = await net.a.call('p2p_taskqueue_list_tasks', { limit: 1 })
        expect(counts.succeeded).toBe(count)
      }, WAIT)
      // A, with the results to send, dials B: the way to B heals first.
      net.b.proxy.heal()
      await vi.waitFor(async () => expect(await linkState(net.b, net.a)).toBe('connected'), WAIT)
      net.a.proxy.heal()
      const tasks = await finished(net.b, ids)
      tasks.forEach((task, n) => {
        expect(task).toMatchObject({ state: 'succeeded', output: { by: 'A', n } })
      })
      expect(await net.b.metric(STALE)).toBe(0)
      expect(holder.assigned).toHaveLength(count)
    } finally {
      for (const w of workers) await w.stop()
      await net.close()
    }
  }, 90_000)

  it('lets fencing decide when both finished a task: the owner keeps its own result and refuses the late one', async () => {
    const net = await relayNet({ leaseSeconds: LEASE_SECONDS })
    const workers = []
    try {
      // More results than yamux lets a fresh connection open streams for before it is set up (10).
      const count = 12
      const holder = await testWorker(net.a, { by: 'A', hold: true, concurrency: count })
      workers.push(holder)
      const ids = await submitJobs(net.b, 0, count)
      await vi.waitFor(() => expect(holder.assigned).toHaveLength(count), WAIT)

      // Partition. A's worker finishes them all; A keeps the results for B.
      net.cut()
      await holder.answerAll()
      // B hears nothing for a lease, takes the tasks back and runs them on its own worker.
      const onB = await testWorker(net.b, { by: 'B' })
      workers.push(onB)
      const tasks = await finished(net.b, ids)
      tasks.forEach((task, n) => {
        expect(task).toMatchObject({ state: 'succeeded', output: { by: 'B', n } })
      })

      // Both think they own each task. The link heals: A sends the results it kept, and B
      // refuses each under the fence it has since moved past.
      net.heal()
      await vi.waitFor(async () => expect(await net.b.metric(STALE)).toBe(count), WAIT)
      for (const [n, task] of (await finished(net.b, ids)).entries())
        expect(task.output).toEqual({ by: 'B', n })
      expect(await net.b.metric(SUCCEEDED)).toBe(count)
      await net.a.stop()
      expect(openHandOffs(net.a.id.dataDir)).toEqual({ open: 0, outbox: 0 })
    } finally {
      for (const w of workers) await w.stop()
      await net.close()
    }
  }, 90_000)
})

describe('a link between member relays that flaps', () => {
  it('completes every task exactly once while the link is cut and restored again and again', async () => {
    const net = await relayNet({ leaseSeconds: LEASE_SECONDS })
    const workers = []
    try {
      const holder = await testWorker(net.a, { by: 'A', hold: true, concurrency: 16 })
      workers.push(holder)
      const ids: string[] = []
      for (let round = 0; round < 4; round++) {
        // Forwarded while the link is up; half answered before the cut, half during it.
        const batch = await submitJobs(net.b, ids.length, 6)
        ids.push(...batch)
        const seen = holder.assigned.length
        await vi.waitFor(() => expect(holder.assigned.length).toBeGreaterThanOrEqual(seen + 6), WAIT)
        const fresh = holder.assigned.slice(seen)
        for (const task of fresh.slice(0, 3)) await holder.answer(task.taskId)
        net.cut()
        for (const task of fresh.slice(3)) await holder.answer(task.taskId)
        // Submitted while A is out of reach: B's offers fail and the tasks wait in its queue.
        ids.push(...(await submitJobs(net.b, ids.length, 2)))
        await vi.waitFor(async () => expect(await linkState(net.b, net.a)).not.toBe('connected'), WAIT)
        net.heal()
        await vi.waitFor(async () => expect(await linkState(net.b, net.a)).toBe('connected'), WAIT)
      }
      await holder.answerAll()
      const tasks = await finished(net.b, ids)
      tasks.forEach((task, n) => {
        expect(task).toMatchObject({ state: 'succeeded', output: { by: 'A', n } })
      })
      // Exactly once: one success per task on B, whatever A ran twice or sent late.
      expect(await net.b.metric(SUCCEEDED)).toBe(ids.length)
    } finally {
      for (const w of workers) await w.stop()
      await net.close()
    }
  }, 120_000)
})

describe('--p2p-announce', () => {
  it('refuses an address that is not a multiaddr, naming the setting', async () => {
    await expect(spawnRelay(['--port', '0', '--p2p-announce', 'relay.example:443'])).rejects.toThrow(
      /p2p\.announce.*"relay\.example:443" is not a multiaddr/s,
    )
  })
})
