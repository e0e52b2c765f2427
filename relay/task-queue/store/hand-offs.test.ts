import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestStore } from '../../../tests/fixtures/test-store.ts'
import { relayOfWorker, relayWorkerId } from './hand-offs.ts'

let t: TestStore
beforeEach(() => {
  t = new TestStore()
})
afterEach(() => t.dispose())

const A = '12D3KooWPmA148B5puWDbpx8T5643ioX4WQ94g5LmE735YM38Zpp'
const restart = { code: 'RELAY_RESTARTED', message: 'restart' } as const

describe('the owner’s side of a hand-off', () => {
  it('offers tasks that need no capability, and those that do only within a member’s capability set', () => {
    const [plain, gpu, member, both] = t.store
      .submit([
        { kind: 'echo' },
        { kind: 'echo', requires: ['gpu'] },
        { kind: 'echo', requires: ['mcpp:member'] },
        { kind: 'echo', requires: ['gpu', 'mcpp:member'] },
      ])
      .map((r) => r.task)
    expect(t.store.handOffs.forwardable('echo', 10)).toEqual([plain!.id])
    expect(t.store.handOffs.forwardable('echo', 10, ['gpu'])).toEqual([gpu!.id])
    expect(t.store.handOffs.forwardable('echo', 10, ['mcpp:member', 'gpu', 'avx'])).toEqual([
      gpu!.id,
      member!.id,
      both!.id,
    ])
    expect(t.store.handOffs.forwardable('echo', 10, ['avx'])).toEqual([])
    expect(t.store.handOffs.forwardable('echo', 1, ['gpu', 'mcpp:member'])).toEqual([gpu!.id])
  })

  it('leases one named task to a relay under a fence larger than any before', () => {
    const [first, second] = t.store.submit([{ kind: 'echo' }, { kind: 'echo' }]).map((r) => r.task)
    const [worker] = t.lease(1)
    const handed = t.store.leaseTo(second!.id, relayWorkerId(A), 1000)
    expect(handed).toMatchObject({ state: 'leased', attempt: 1, workerId: `relay:${A}` })
    expect(handed!.leaseToken).toBeGreaterThan(worker!.leaseToken as number)
    expect(handed!.leaseExpiresAt).toBe(t.clock + 1000)
    // Not queued any more (or never ready): nothing is leased.
    expect(t.store.leaseTo(second!.id, relayWorkerId(A), 1000)).toBeUndefined()
    expect(t.store.leaseTo(first!.id, relayWorkerId(A), 1000)).toBeUndefined()
  })

  it('renews a lease only for its holder and fence', () => {
    const [task] = t.store.submit([{ kind: 'echo' }]).map((r) => r.task)
    const handed = t.store.leaseTo(task!.id, relayWorkerId(A), 1000)!
    const fence = handed.leaseToken as number
    t.clock += 500
    expect(t.store.handOffs.renew(task!.id, relayWorkerId(A), fence - 1, 1000)).toBe(false)
    expect(t.store.handOffs.renew(task!.id, relayWorkerId('someone-else'), fence, 1000)).toBe(false)
    expect(t.store.handOffs.renew(task!.id, relayWorkerId(A), fence, 1000)).toBe(true)
    expect(t.store.get(task!.id)?.leaseExpiresAt).toBe(t.clock + 1000)
  })

  it('gives a refused offer back without spending the attempt', () => {
    const [task] = t.store.submit([{ kind: 'echo' }]).map((r) => r.task)
    const fence = t.store.leaseTo(task!.id, relayWorkerId(A), 1000)!.leaseToken as number
    const back = t.store.handOffs.giveBack(task!.id, fence, { code: 'HANDOFF_FAILED', message: 'refused' })
    expect(back).toMatchObject({
      state: 'queued',
      attempt: 0,
      workerId: null,
      error: { code: 'HANDOFF_FAILED' },
    })
  })

  it('keeps hand-off leases across a restart and releases workers’ leases', () => {
    const [mine, theirs] = t.store.submit([{ kind: 'echo' }, { kind: 'echo' }]).map((r) => r.task)
    t.lease(1)
    t.store.leaseTo(theirs!.id, relayWorkerId(A), 60_000)
    const store = t.reopen()
    const released = store.releaseAll(restart)
    expect(released.map((r) => r.id)).toEqual([mine!.id])
    expect(store.get(theirs!.id)).toMatchObject({ state: 'leased', workerId: `relay:${A}` })
    expect(store.returnLeases(restart)).toEqual([])
  })

  it('gives every hand-off lease one more lease when the owner starts again, so a kept result is collected', () => {
    const [expired, later, mine] = t.store
      .submit([{ kind: 'echo' }, { kind: 'echo' }, { kind: 'echo' }])
      .map((r) => r.task)
    const fence = t.store.leaseTo(expired!.id, relayWorkerId(A), 1000)!.leaseToken as number
    t.store.leaseTo(later!.id, relayWorkerId(A), 60_000)
    t.store.leaseTo(mine!.id, 'worker/1', 1000)
    // The owner was down for longer than the lease.
    t.clock += 5000
    const store = t.reopen()
    expect(store.handOffs.resume(1000)).toBe(2)
    expect(store.get(expired!.id)?.leaseExpiresAt).toBe(t.clock + 1000)
    expect(store.get(later!.id)?.leaseExpiresAt).toBe(t.clock - 5000 + 60_000)
    expect(store.expireLeases().map((r) => r.id)).toEqual([mine!.id])
    expect(store.complete(expired!.id, fence, { output: 1 })).toMatchObject({ ok: true })
  })

  it('takes the task back when the relay stops renewing, and refuses its late result', () => {
    const [task] = t.store.submit([{ kind: 'echo' }]).map((r) => r.task)
    const fence = t.store.leaseTo(task!.id, relayWorkerId(A), 1000)!.leaseToken as number
    t.clock += 1001
    expect(t.store.expireLeases().map((r) => r.state)).toEqual(['queued'])
    expect(t.store.complete(task!.id, fence, { output: 1 })).toEqual({ ok: false, reason: 'stale_token' })
  })

  it('tells pseudo-workers from workers', () => {
    expect(relayOfWorker(relayWorkerId(A))).toBe(A)
    expect(relayOfWorker(`${A}/1`)).toBeUndefined()
    expect(relayOfWorker(null)).toBeUndefined()
  })
})

describe('the runner’s side of a hand-off', () => {
  const origin = { relay: A, remoteId: 'b-1', fence: 9, leaseMs: 30_000 }

  it('queues an offered task once per hand-off, with its origin', () => {
    const first = t.store.acceptForwarded(
      { kind: 'echo', input: 'x', trust: { level: 'quorum', k: 2 } },
      origin,
    )
    const again = t.store.acceptForwarded({ kind: 'echo', input: 'x' }, origin)
    expect(first.created).toBe(true)
    expect(again).toEqual({ task: first.task, created: false })
    expect(first.task.trust).toEqual({ level: 'quorum', k: 2 })
    const refenced = t.store.acceptForwarded({ kind: 'echo', input: 'x' }, { ...origin, fence: 10 })
    expect(refenced.created).toBe(true)
    expect(t.store.forwarded.originOf(first.task.id)).toEqual(origin)
  })

  it('keeps a finished task in the outbox until it is closed, also across a restart', () => {
    const { task } = t.store.acceptForwarded({ kind: 'echo', input: 'x' }, origin)
    expect(t.store.forwarded.open().map((f) => f.task.id)).toEqual([task.id])
    expect(t.store.forwarded.outbox(10)).toEqual([])
    const [leased] = t.lease(1)
    t.store.complete(task.id, leased!.leaseToken as number, { output: 'x' })
    const store = t.reopen()
    expect(store.forwarded.open()).toEqual([])
    expect(store.forwarded.outbox(10)).toMatchObject([{ task: { id: task.id, state: 'succeeded' }, origin }])
    expect(store.forwarded.close(task.id, t.clock)).toBe(true)
    expect(store.forwarded.close(task.id, t.clock)).toBe(false)
    expect(store.forwarded.outbox(10)).toEqual([])
  })
})
