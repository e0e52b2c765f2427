import { describe, expect, it, vi } from 'vitest'
import {
  finished,
  LEASE_SECONDS,
  listTasks,
  openHandOffs,
  relayNet,
  STALE,
  SUCCEEDED,
  submitJobs,
  testWorker,
  WAIT,
} from './relay-net.ts'

/**
 * Issue 11, "exactly one owner, nothing lost", with real relay processes: B owns the
 * tasks a client submitted to it and forwards them to A, whose worker runs them; then
 * one of the two is killed with kill -9 and started again on the same data directory.
 */

describe('a member relay killed with kill -9 while it runs tasks forwarded to it', () => {
  it('loses none: the owner takes them back after the lease and runs each once elsewhere; the restarted relay runs none again and its late result is refused', async () => {
    const net = await relayNet({ leaseSeconds: LEASE_SECONDS })
    const workers = []
    try {
      const holder = await testWorker(net.a, { by: 'A', hold: true })
      workers.push(holder)
      const ids = await submitJobs(net.b, 0, 8)
      // B has no echo worker: its pump hands all eight to A, whose worker holds them.
      await vi.waitFor(() => expect(holder.assigned).toHaveLength(8), WAIT)

      // One finishes on A while the link is down: its result waits in A's outbox.
      net.cut()
      const late = holder.assigned[0]!
      await holder.answer(late.taskId)
      await vi.waitFor(
        async () =>
          expect(await net.a.call('p2p_taskqueue_status', { taskId: late.taskId })).toMatchObject({
            state: 'succeeded',
          }),
        WAIT,
      )
      await net.a.kill()
      net.heal()

      // B takes all eight back when A's leases run out, and its own worker runs them.
      const onB = await testWorker(net.b, { by: 'B' })
      workers.push(onB)
      const tasks = await finished(net.b, ids)
      tasks.forEach((task, n) => {
        expect(task).toMatchObject({ state: 'succeeded', output: { by: 'B', n } })
      })
      expect(onB.assigned.map((t) => t.taskId).sort()).toEqual([...ids].sort())

      // A comes back on the same data directory: it gives up the seven it held and sends
      // the one result it kept, which B refuses under its old fence.
      await net.a.start()
      await vi.waitFor(async () => expect(await net.b.metric(STALE)).toBe(1), WAIT)
      const onA = await listTasks(net.a)
      const held = holder.assigned.slice(1).map((t) => t.taskId)
      for (const taskId of held) expect(onA.find((t) => t.id === taskId)?.state).toBe('cancelled')
      // A worker on the restarted A gets only new work, none of the tasks it gave up.
      const after = await testWorker(net.a, { by: 'A2' })
      workers.push(after)
      const [probe] = await submitJobs(net.a, 100, 1)
      await finished(net.a, [probe!])
      expect(after.assigned.map((t) => t.taskId)).toEqual([probe])

      // Exactly once on B: eight successes, all from B's worker, the late result refused.
      expect(await net.b.metric(SUCCEEDED)).toBe(8)
      for (const [n, task] of (await finished(net.b, ids)).entries())
        expect(task.output).toEqual({ by: 'B', n })
      await net.a.stop()
      expect(openHandOffs(net.a.id.dataDir)).toEqual({ open: 0, outbox: 0 })
    } finally {
      for (const w of workers) await w.stop()
      await net.close()
    }
  }, 90_000)
})

describe('an owner relay killed with kill -9 while a member runs its tasks', () => {
  it('collects the results the member kept for it when it restarts, even after its leases ran out', async () => {
    const net = await relayNet({ leaseSeconds: LEASE_SECONDS })
    const workers = []
    try {
      const holder = await testWorker(net.a, { by: 'A', hold: true })
      workers.push(holder)
      const ids = await submitJobs(net.b, 0, 8)
      await vi.waitFor(() => expect(holder.assigned).toHaveLength(8), WAIT)
      await net.b.kill()

      // A's worker finishes seven while B is down; A keeps their results for B. The
      // eighth it still holds, and A gives it up when B has not confirmed its lease for a lease.
      for (const task of holder.assigned.slice(0, 7)) await holder.answer(task.taskId)
      const unfinished = holder.assigned[7]!
      await vi.waitFor(
        async () =>
          expect(await net.a.call('p2p_taskqueue_status', { taskId: unfinished.taskId })).toMatchObject({
            state: 'cancelled',
          }),
        WAIT,
      )

      // B restarts (same data directory, identity and ports), after its leases ran out.
      await net.b.start()
      await holder.answerAll()
      const tasks = await finished(net.b, ids)
      const ranOnA = new Map(holder.assigned.map((t) => [(t.input as { n: number }).n, t]))
      tasks.forEach((task, n) => {
        expect(task).toMatchObject({ state: 'succeeded', output: { by: 'A', n } })
      })
      const result = await net.b.call('p2p_taskqueue_get_result', { taskId: ids[0] })
      expect(result).toMatchObject({ ready: true, state: 'succeeded', output: { by: 'A', n: 0 } })

      // The seven finished ones ran once; only the given-up eighth ran again.
      expect(holder.assigned).toHaveLength(9)
      expect(ranOnA.size).toBe(8)
      expect(await net.b.metric(STALE)).toBe(0)
      expect(await net.b.metric(SUCCEEDED)).toBe(8)
    } finally {
      for (const w of workers) await w.stop()
      await net.close()
    }
  }, 90_000)
})
