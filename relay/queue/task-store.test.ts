import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TaskStore } from './task-store.ts'

let dir: string
let clock: number
let store: TaskStore
const now = () => clock
const open = () => new TaskStore(join(dir, 'tasks.db'), now)
const lease = (limit = 10, extra: Partial<Parameters<TaskStore['leaseNext']>[0]> = {}) =>
  store.leaseNext({
    workerId: 'w1',
    kinds: ['echo', 'wasm'],
    capabilities: [],
    limit,
    leaseMs: 1000,
    ...extra,
  })

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpp-tasks-'))
  clock = 1_000_000
  store = open()
})
afterEach(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('TaskStore', () => {
  it('leases higher priorities first and FIFO within a priority', () => {
    const ids = store
      .submit([
        { kind: 'echo', input: 'a' },
        { kind: 'echo', input: 'b', priority: 5 },
        { kind: 'echo', input: 'c' },
        { kind: 'echo', input: 'd', priority: 5 },
      ])
      .map((r) => r.task.id)
    expect(lease().map((t) => t.input)).toEqual(['b', 'd', 'a', 'c'])
    expect(ids).toHaveLength(4)
  })

  it('returns the existing task for a repeated idempotency key', () => {
    const [first] = store.submit([{ kind: 'echo', idempotencyKey: 'k' }])
    const [again] = store.submit([{ kind: 'echo', idempotencyKey: 'k', input: 'other' }])
    expect(again).toEqual({ task: first?.task, created: false })
    expect(store.countsByState().queued).toBe(1)
  })

  it('leases only kinds the worker runs and tasks whose capabilities it has, up to the limit', () => {
    store.submit([
      { kind: 'embed' },
      { kind: 'echo', requires: ['gpu'], input: 'gpu' },
      { kind: 'echo', input: 1 },
      { kind: 'echo', input: 2 },
    ])
    expect(lease(1).map((t) => t.input)).toEqual([1])
    expect(lease(10).map((t) => t.input)).toEqual([2])
    expect(lease(10, { capabilities: ['gpu'] }).map((t) => t.input)).toEqual(['gpu'])
    expect(store.countsByState()).toMatchObject({ queued: 1, leased: 3 })
  })

  it('gives every lease a new fencing token, also after reopening the database', () => {
    store.submit([{ kind: 'echo' }, { kind: 'echo' }])
    const tokens = lease().map((t) => t.leaseToken as number)
    expect(tokens[1]).toBe((tokens[0] as number) + 1)
    store.close()
    store = open()
    store.submit([{ kind: 'echo' }])
    expect(lease()[0]?.leaseToken).toBe((tokens[1] as number) + 1)
  })

  it('rejects a result whose lease was revoked, and accepts the current one', () => {
    const [task] = store.submit([{ kind: 'echo' }])
    const first = lease()[0]
    store.releaseWorker('w1', { code: 'WORKER_LOST', message: 'gone' })
    const second = lease(1, { workerId: 'w2' })[0]
    expect(store.complete(task!.task.id, first!.leaseToken!, { output: 'late' })).toEqual({
      ok: false,
      reason: 'stale_token',
    })
    const done = store.complete(task!.task.id, second!.leaseToken!, { output: 'ok' })
    expect(done).toMatchObject({ ok: true, task: { state: 'succeeded', output: 'ok', attempt: 2 } })
    expect(store.complete('nope', 1, {})).toEqual({ ok: false, reason: 'not_found' })
  })

  it('retries a failed attempt after its backoff, then fails at the attempt limit', () => {
    const { task } = store.submit([{ kind: 'echo', maxAttempts: 2 }])[0]!
    const error = { code: 'TASK_FAILED', message: 'boom' }
    const a1 = lease()[0]!
    expect(store.fail(task.id, a1.leaseToken!, error, { retryable: true, retryDelayMs: 500 })).toMatchObject({
      ok: true,
      task: { state: 'queued', notBefore: clock + 500 },
    })
    expect(lease()).toEqual([])
    clock += 500
    const a2 = lease()[0]!
    expect(store.fail(task.id, a2.leaseToken!, error, { retryable: true, retryDelayMs: 500 })).toMatchObject({
      ok: true,
      task: { state: 'failed', attempt: 2, error },
    })
  })

  it('fails at once when the failure is not retryable', () => {
    const { task } = store.submit([{ kind: 'echo' }])[0]!
    const a1 = lease()[0]!
    const result = store.fail(
      task.id,
      a1.leaseToken!,
      { code: 'INVALID_INPUT', message: 'x' },
      {
        retryable: false,
        retryDelayMs: 0,
      },
    )
    expect(result).toMatchObject({ ok: true, task: { state: 'failed', attempt: 1 } })
  })

  it('re-queues a lost worker’s tasks at once, failing those out of attempts', () => {
    store.submit([
      { kind: 'echo', input: 'a' },
      { kind: 'echo', input: 'b', maxAttempts: 1 },
    ])
    lease()
    const released = store.releaseWorker('w1', { code: 'WORKER_LOST', message: 'disconnected' })
    expect(released.map((t) => [t.input, t.state])).toEqual([
      ['a', 'queued'],
      ['b', 'failed'],
    ])
    expect(lease().map((t) => t.input)).toEqual(['a'])
  })

  it('expires leases that were not renewed and keeps renewed ones', () => {
    store.submit([{ kind: 'echo', input: 'a' }])
    store.submit([{ kind: 'echo', input: 'b' }])
    lease(1)
    lease(1, { workerId: 'w2' })
    clock += 900
    expect(store.renewLeases('w2', 1000)).toBe(1)
    clock += 200
    expect(store.expireLeases().map((t) => [t.input, t.state, t.error?.code])).toEqual([
      ['a', 'queued', 'LEASE_EXPIRED'],
    ])
  })

  it('finds attempts running longer than their timeout', () => {
    store.submit([
      { kind: 'echo', timeoutMs: 100 },
      { kind: 'echo', timeoutMs: 10_000 },
    ])
    lease()
    clock += 101
    expect(store.timedOut().map((t) => t.timeoutMs)).toEqual([100])
  })

  it('cancels queued and running tasks; a cancelled task takes no result', () => {
    const [q, r] = store.submit([{ kind: 'wasm' }, { kind: 'echo', priority: 1 }]).map((x) => x.task.id)
    const running = lease(1)[0]!
    expect(store.cancel(q!)).toMatchObject({ ok: true, wasActive: false, workerId: null })
    expect(store.cancel(r!)).toMatchObject({
      ok: true,
      wasActive: true,
      workerId: 'w1',
      task: { state: 'cancelled' },
    })
    expect(store.complete(r!, running.leaseToken!, { output: 1 })).toEqual({
      ok: false,
      reason: 'stale_token',
    })
    expect(store.cancel(r!)).toEqual({ ok: false, reason: 'already_finished' })
    expect(store.cancel('missing')).toEqual({ ok: false, reason: 'not_found' })
  })

  it('changes priority and fields only while a task is queued', () => {
    const [a, b] = store.submit([{ kind: 'echo' }, { kind: 'echo' }]).map((x) => x.task.id)
    expect(store.setPriority(b!, 9)).toMatchObject({ ok: true, task: { priority: 9 } })
    expect(store.update(b!, { tags: ['x'], timeoutMs: 5 })).toMatchObject({
      ok: true,
      task: { tags: ['x'], timeoutMs: 5 },
    })
    expect(lease(1)[0]?.id).toBe(b)
    expect(store.setPriority(b!, 1)).toEqual({ ok: false, reason: 'not_queued' })
    expect(store.update(b!, { tags: [] })).toEqual({ ok: false, reason: 'not_queued' })
    expect(store.update('missing', { tags: [] })).toEqual({ ok: false, reason: 'not_found' })
    expect(a).toBeDefined()
  })

  it('resubmits failed or cancelled tasks as a new linked task', () => {
    const [id] = store.submit([{ kind: 'echo', input: { n: 1 }, tags: ['t'] }]).map((x) => x.task.id)
    expect(store.resubmit(id!)).toEqual({ ok: false, reason: 'not_failed_or_cancelled' })
    store.cancel(id!)
    const again = store.resubmit(id!)
    expect(again).toMatchObject({
      ok: true,
      task: { state: 'queued', input: { n: 1 }, tags: ['t'], previousId: id },
    })
  })

  it('lists newest first with filters, paging and totals', () => {
    store.submit([{ kind: 'echo', tags: ['a'] }, { kind: 'wasm' }, { kind: 'echo', tags: ['a', 'b'] }])
    const page = store.list({ kind: 'echo', limit: 1, offset: 0 })
    expect(page.total).toBe(2)
    expect(page.tasks[0]?.tags).toEqual(['a', 'b'])
    expect(store.list({ tag: 'b', limit: 10, offset: 0 }).total).toBe(1)
    expect(store.list({ states: ['leased'], limit: 10, offset: 0 }).total).toBe(0)
  })
})
