import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestStore } from '../../../tests/fixtures/test-store.ts'

let t: TestStore
beforeEach(() => {
  t = new TestStore()
})
afterEach(() => t.dispose())

const boom = { code: 'TASK_FAILED', message: 'boom' } as const
const lost = { code: 'WORKER_LOST', message: 'disconnected' } as const
const submitOne = (spec: Partial<Parameters<typeof t.store.submit>[0][number]> = {}) =>
  t.store.submit([{ kind: 'echo', ...spec }])[0]!.task

describe('fencing tokens', () => {
  it('strictly increase across leases and survive reopening the database', () => {
    t.store.submit([{ kind: 'echo' }, { kind: 'echo' }, { kind: 'echo' }])
    const tokens = [...t.lease(2), ...t.lease(1, { workerId: 'w2' })].map((x) => x.leaseToken!)
    expect(tokens).toEqual([tokens[0], tokens[0]! + 1, tokens[0]! + 2])
    t.store.releaseWorker('w1', lost)
    t.reopen()
    const after = t.lease().map((x) => x.leaseToken!)
    expect(after).toHaveLength(2)
    expect(Math.min(...after)).toBeGreaterThan(tokens[2]!)
    expect(t.store.stats().lastToken).toBe(Math.max(...after))
  })

  it('reject a result after the lease was released and the task leased again', () => {
    const task = submitOne()
    const first = t.lease()[0]!
    t.store.releaseWorker('w1', lost)
    expect(t.store.complete(task.id, first.leaseToken!, { output: 'early' })).toEqual({
      ok: false,
      reason: 'stale_token',
    })
    const second = t.lease(1, { workerId: 'w2' })[0]!
    expect(t.store.markRunning(task.id, first.leaseToken!)).toBe(false)
    expect(t.store.progress(task.id, first.leaseToken!, { progress: 1 })).toBe(false)
    expect(t.store.complete(task.id, first.leaseToken!, { output: 'late' })).toEqual({
      ok: false,
      reason: 'stale_token',
    })
    expect(t.store.fail(task.id, first.leaseToken!, boom, { retryable: false, retryDelayMs: 0 })).toEqual({
      ok: false,
      reason: 'stale_token',
    })
    const done = t.store.complete(task.id, second.leaseToken!, { output: 'ok', outputCid: 'bafy' })
    expect(done).toMatchObject({ ok: true, task: { state: 'succeeded', output: 'ok', outputCid: 'bafy' } })
    expect(done).toMatchObject({
      task: { attempt: 2, workerId: null, leaseToken: null, finishedAt: t.clock },
    })
    expect(t.store.complete('nope', 1, {})).toEqual({ ok: false, reason: 'not_found' })
  })

  it('accept a result exactly once', () => {
    const task = submitOne()
    const leased = t.lease()[0]!
    expect(t.store.complete(task.id, leased.leaseToken!, { output: 1 }).ok).toBe(true)
    expect(t.store.complete(task.id, leased.leaseToken!, { output: 2 })).toEqual({
      ok: false,
      reason: 'not_active',
    })
    expect(t.store.get(task.id)?.output).toBe(1)
  })

  it('reject a result after the lease expired', () => {
    const task = submitOne()
    const leased = t.lease()[0]!
    t.clock += 1001
    expect(t.store.expireLeases()).toHaveLength(1)
    expect(t.store.complete(task.id, leased.leaseToken!, {})).toEqual({ ok: false, reason: 'stale_token' })
  })

  it('gate running and progress on the current token', () => {
    const task = submitOne()
    const leased = t.lease()[0]!
    expect(t.store.progress(task.id, leased.leaseToken!, { progress: 1, total: 4 })).toBe(true)
    expect(t.store.markRunning(task.id, leased.leaseToken!)).toBe(true)
    expect(t.store.markRunning(task.id, leased.leaseToken!)).toBe(false)
    expect(t.store.progress(task.id, leased.leaseToken!, { progress: 2, total: 4, message: 'half' })).toBe(
      true,
    )
    expect(t.store.get(task.id)).toMatchObject({
      state: 'running',
      progress: { progress: 2, message: 'half' },
    })
  })
})

describe('retries', () => {
  it('re-queues a failed attempt after its backoff, then fails at the attempt limit', () => {
    const task = submitOne({ maxAttempts: 3 })
    const a1 = t.lease()[0]!
    const r1 = t.store.fail(task.id, a1.leaseToken!, boom, { retryable: true, retryDelayMs: 500 })
    expect(r1).toMatchObject({ ok: true, task: { state: 'queued', notBefore: t.clock + 500, error: boom } })
    expect(r1).toMatchObject({ task: { workerId: null, leaseToken: null, leaseExpiresAt: null } })
    t.clock += 499
    expect(t.lease()).toEqual([])
    t.clock += 1
    const a2 = t.lease()[0]!
    expect(a2).toMatchObject({ attempt: 2, startedAt: a1.startedAt })
    t.store.fail(task.id, a2.leaseToken!, boom, { retryable: true, retryDelayMs: 1000 })
    t.clock += 1000
    const a3 = t.lease()[0]!
    const last = t.store.fail(task.id, a3.leaseToken!, boom, { retryable: true, retryDelayMs: 2000 })
    expect(last).toMatchObject({
      ok: true,
      task: { state: 'failed', attempt: 3, error: boom, finishedAt: t.clock },
    })
  })

  it('fails at once when the failure is not retryable', () => {
    const task = submitOne()
    const a1 = t.lease()[0]!
    const result = t.store.fail(task.id, a1.leaseToken!, boom, { retryable: false, retryDelayMs: 0 })
    expect(result).toMatchObject({ ok: true, task: { state: 'failed', attempt: 1 } })
  })

  it('settles a mixed batch in one call, each result fenced on its own', () => {
    const [a, b, c] = t.store
      .submit([{ kind: 'echo' }, { kind: 'echo' }, { kind: 'echo' }])
      .map((r) => r.task)
    const leases = t.lease()
    const token = (id: string) => leases.find((x) => x.id === id)!.leaseToken!
    const results = t.store.settleMany([
      { id: a!.id, token: token(a!.id), ok: true, output: 'a' },
      { id: b!.id, token: token(b!.id) + 100, ok: true, output: 'b' },
      { id: c!.id, token: token(c!.id), ok: false, error: boom, retryable: true, retryDelayMs: 10 },
    ])
    expect(results.map((r) => (r.ok ? r.task.state : r.reason))).toEqual([
      'succeeded',
      'stale_token',
      'queued',
    ])
    expect(t.store.countsByState()).toMatchObject({ succeeded: 1, leased: 1, queued: 1 })
  })
})

describe('lost workers, expired leases and timeouts', () => {
  it('re-queues a lost worker’s tasks at once, failing those out of attempts', () => {
    t.store.submit([
      { kind: 'echo', input: 'a' },
      { kind: 'echo', input: 'b', maxAttempts: 1 },
      { kind: 'echo', input: 'c' },
    ])
    t.lease(2)
    const other = t.lease(1, { workerId: 'w2' })[0]!
    t.store.markRunning(other.id, other.leaseToken!)
    t.clock += 10
    const released = t.store.releaseWorker('w1', lost)
    expect(released.map((x) => [x.input, x.state, x.error?.code])).toEqual([
      ['a', 'queued', 'WORKER_LOST'],
      ['b', 'failed', 'WORKER_LOST'],
    ])
    expect(released[0]).toMatchObject({ notBefore: t.clock, workerId: null, leaseToken: null })
    expect(t.store.releaseWorker('w1', lost)).toEqual([])
    expect(t.lease().map((x) => x.input)).toEqual(['a'])
    expect(t.store.get(other.id)?.state).toBe('running')
  })

  it('expires leases that were not renewed and keeps renewed ones', () => {
    t.store.submit([{ kind: 'echo', input: 'a' }])
    t.store.submit([{ kind: 'echo', input: 'b', maxAttempts: 1 }])
    t.store.submit([{ kind: 'echo', input: 'c' }])
    t.lease(1)
    t.lease(1, { workerId: 'w3' })
    t.lease(1, { workerId: 'w2' })
    t.clock += 900
    expect(t.store.renewLeases('w2', 1000)).toBe(1)
    expect(t.store.renewLeases('nobody', 1000)).toBe(0)
    t.clock += 101
    expect(t.store.expireLeases().map((x) => [x.input, x.state, x.error?.code])).toEqual([
      ['a', 'queued', 'LEASE_EXPIRED'],
      ['b', 'failed', 'LEASE_EXPIRED'],
    ])
    expect(t.store.expireLeases()).toEqual([])
    expect(t.store.countsByState()).toMatchObject({ leased: 1, queued: 1, failed: 1 })
  })

  it('finds attempts running longer than their timeout, counted from when the attempt started', () => {
    const [short, long, restarted] = t.store
      .submit([
        { kind: 'echo', timeoutMs: 100 },
        { kind: 'echo', timeoutMs: 10_000 },
        { kind: 'echo', timeoutMs: 100 },
      ])
      .map((r) => r.task)
    const leases = t.lease()
    expect(t.store.timedOut()).toEqual([])
    t.clock += 60
    t.store.markRunning(restarted!.id, leases[2]!.leaseToken!)
    // `short` was never reported started: it gets the start slack (20 ms) on top of 100 ms.
    t.clock += 60
    expect(t.store.timedOut()).toEqual([])
    t.clock += 1
    expect(t.store.timedOut().map((x) => x.id)).toEqual([short!.id])
    t.clock += 60
    expect(t.store.timedOut().map((x) => x.id)).toEqual([short!.id, restarted!.id])
    expect(long).toBeDefined()
    const timeout = { code: 'TIMEOUT', message: 'too slow' } as const
    t.store.fail(short!.id, leases[0]!.leaseToken!, timeout, { retryable: false, retryDelayMs: 0 })
    expect(t.store.timedOut().map((x) => x.id)).toEqual([restarted!.id])
  })
})

describe('cancel, priority and updates', () => {
  it('cancels queued and running tasks; a cancelled task takes no result', () => {
    const [q, r] = t.store.submit([{ kind: 'wasm' }, { kind: 'echo', priority: 1 }]).map((x) => x.task.id)
    const running = t.lease(1)[0]!
    t.store.markRunning(r!, running.leaseToken!)
    expect(t.store.cancel(q!)).toMatchObject({ ok: true, wasActive: false, workerId: null })
    const cancelled = t.store.cancel(r!, 'user asked')
    expect(cancelled).toMatchObject({ ok: true, wasActive: true, workerId: 'w1' })
    expect(cancelled).toMatchObject({ task: { state: 'cancelled', leaseToken: null, workerId: null } })
    expect(cancelled).toMatchObject({ task: { error: { code: 'CANCELLED', message: 'user asked' } } })
    expect(t.store.complete(r!, running.leaseToken!, { output: 1 })).toEqual({
      ok: false,
      reason: 'not_active',
    })
    expect(t.store.progress(r!, running.leaseToken!, { progress: 1 })).toBe(false)
    expect(t.store.cancel(r!)).toEqual({ ok: false, reason: 'already_finished' })
    expect(t.store.cancel('missing')).toEqual({ ok: false, reason: 'not_found' })
    expect(t.lease()).toEqual([])
  })

  it('changes priority and fields only while a task is queued', () => {
    const [a, b] = t.store.submit([{ kind: 'echo' }, { kind: 'echo' }]).map((x) => x.task.id)
    expect(t.store.setPriority(b!, 9)).toMatchObject({ ok: true, task: { priority: 9 } })
    const patch = { tags: ['x'], metadata: { m: 1 }, timeoutMs: 5, maxAttempts: 7 }
    expect(t.store.update(b!, patch)).toMatchObject({ ok: true, task: patch })
    expect(t.store.update(a!, {})).toMatchObject({ ok: true, task: { id: a } })
    expect(t.lease(1)[0]?.id).toBe(b)
    expect(t.store.setPriority(b!, 1)).toEqual({ ok: false, reason: 'not_queued' })
    expect(t.store.update(b!, { tags: [] })).toEqual({ ok: false, reason: 'not_queued' })
    expect(t.store.update(b!, {})).toEqual({ ok: false, reason: 'not_queued' })
    expect(t.store.update('missing', { tags: [] })).toEqual({ ok: false, reason: 'not_found' })
    expect(t.store.setPriority('missing', 1)).toEqual({ ok: false, reason: 'not_found' })
  })

  it('resubmits failed or cancelled tasks as a new linked task, forming a chain', () => {
    const spec = {
      kind: 'echo',
      input: { n: 1 },
      tags: ['t'],
      priority: 4,
      requires: ['gpu'],
      maxAttempts: 1,
    }
    const first = submitOne({ ...spec, idempotencyKey: 'once', timeoutMs: 77, metadata: { m: true } })
    expect(t.store.resubmit(first.id)).toEqual({ ok: false, reason: 'not_failed_or_cancelled' })
    expect(t.store.resubmit('missing')).toEqual({ ok: false, reason: 'not_found' })
    t.store.cancel(first.id)
    const second = t.store.resubmit(first.id)
    if (!second.ok) throw new Error('resubmit refused')
    expect(second.task).toMatchObject({ ...spec, state: 'queued', timeoutMs: 77, metadata: { m: true } })
    expect(second.task).toMatchObject({ previousId: first.id, idempotencyKey: null, attempt: 0, error: null })
    const leased = t.lease(1, { capabilities: ['gpu'] })[0]!
    t.store.fail(leased.id, leased.leaseToken!, boom, { retryable: true, retryDelayMs: 0 })
    const third = t.store.resubmit(second.task.id)
    expect(third).toMatchObject({ ok: true, task: { previousId: second.task.id, state: 'queued' } })
  })
})
