import { DatabaseSync } from 'node:sqlite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestStore } from '../../../tests/fixtures/test-store.ts'
import { EXTRA_ATTEMPT_ROWS } from './attempt-schema.ts'
import { relayWorkerId } from './hand-offs.ts'
import { SCHEMA_VERSION } from './task-schema.ts'

let t: TestStore
beforeEach(() => {
  t = new TestStore()
})
afterEach(() => t.dispose())

const boom = { code: 'TASK_FAILED', message: 'boom' } as const
const lost = { code: 'WORKER_LOST', message: 'disconnected' } as const
const submitOne = (spec: Partial<Parameters<typeof t.store.submit>[0][number]> = {}) =>
  t.store.submit([{ kind: 'echo', ...spec }])[0]!.task
const history = (id: string) => t.store.attempts.of(t.store.get(id)!.seq)
const leaseOne = (workerId = 'w1') => {
  const [task] = t.lease(1, { workerId })
  return { id: task!.id, token: task!.leaseToken! }
}

describe('the attempt history', () => {
  it('records a failure that is retried and the success after it, with workers, times and the error', () => {
    const task = submitOne({ maxAttempts: 3 })
    const first = leaseOne('w1')
    t.clock += 10
    expect(t.store.markRunning(task.id, first.token)).toBe(true)
    t.clock += 40
    t.store.fail(task.id, first.token, boom, { retryable: true, retryDelayMs: 0 })
    t.clock += 5
    const second = leaseOne('w2')
    t.clock += 20
    t.store.complete(task.id, second.token, { output: 'ok' })
    expect(history(task.id)).toEqual([
      {
        attempt: 1,
        workerId: 'w1',
        relay: null,
        startedAt: 1_000_010,
        endedAt: 1_000_050,
        outcome: 'requeued',
        error: boom,
      },
      {
        attempt: 2,
        workerId: 'w2',
        relay: null,
        startedAt: 1_000_055,
        endedAt: 1_000_075,
        outcome: 'succeeded',
        error: null,
      },
    ])
  })

  it('records a final failure, and nothing for a lease that has not ended', () => {
    const task = submitOne({ maxAttempts: 1 })
    const lease = leaseOne()
    t.store.markRunning(task.id, lease.token)
    expect(history(task.id)).toEqual([])
    t.store.fail(task.id, lease.token, boom, { retryable: true, retryDelayMs: 0 })
    expect(history(task.id)).toMatchObject([{ attempt: 1, outcome: 'failed', error: boom }])
  })

  it('records cancelling a running task, and not cancelling a queued one', () => {
    const queued = submitOne()
    t.store.cancel(queued.id, 'not needed')
    expect(history(queued.id)).toEqual([])
    const running = submitOne()
    leaseOne()
    t.store.cancel(running.id, 'stop it')
    expect(history(running.id)).toMatchObject([
      { attempt: 1, outcome: 'cancelled', error: { code: 'CANCELLED', message: 'stop it' } },
    ])
  })

  it('records an expired lease and a lost worker as requeued with their reason, then the failure out of attempts', () => {
    const task = submitOne({ maxAttempts: 3 })
    leaseOne('w1')
    t.clock += 2000
    expect(t.store.expireLeases()).toHaveLength(1)
    leaseOne('w2')
    t.store.releaseWorker('w2', lost)
    leaseOne('w3')
    t.store.releaseWorker('w3', lost)
    expect(history(task.id)).toMatchObject([
      { attempt: 1, workerId: 'w1', outcome: 'requeued', error: { code: 'LEASE_EXPIRED' } },
      { attempt: 2, workerId: 'w2', outcome: 'requeued', error: lost },
      { attempt: 3, workerId: 'w3', outcome: 'failed', error: lost },
    ])
  })

  it('records an attempt past its time limit, failed by the dispatcher with TIMEOUT, as requeued', () => {
    const task = submitOne({ timeoutMs: 100 })
    const lease = leaseOne()
    t.store.markRunning(task.id, lease.token)
    t.clock += 101
    expect(t.store.timedOut().map((x) => x.id)).toEqual([task.id])
    const timeout = { code: 'TIMEOUT', message: 'the task exceeded its 100 ms limit' } as const
    t.store.fail(task.id, lease.token, timeout, { retryable: true, retryDelayMs: 0 })
    expect(history(task.id)).toEqual([
      {
        attempt: 1,
        workerId: 'w1',
        relay: null,
        startedAt: 1_000_000,
        endedAt: 1_000_101,
        outcome: 'requeued',
        error: timeout,
      },
    ])
  })

  it("records a lease given back at the relay's stop as returned, under the same attempt number as the next", () => {
    const task = submitOne()
    leaseOne()
    t.store.returnLeases({ code: 'RELAY_RESTARTED', message: 'the relay is stopping' })
    const again = leaseOne()
    t.store.complete(task.id, again.token, { output: 1 })
    expect(history(task.id).map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'returned'],
      [1, 'succeeded'],
    ])
  })

  it('names the member relay of a hand-off, and records a quorum answer as answered without an error', () => {
    const handed = submitOne()
    const fence = t.store.leaseTo(handed.id, relayWorkerId('peerA'), 1000)!.leaseToken!
    t.store.complete(handed.id, fence, { output: 1 })
    expect(history(handed.id)).toMatchObject([{ workerId: null, relay: 'peerA', outcome: 'succeeded' }])

    const quorum = submitOne({ trust: { level: 'quorum', k: 2 } })
    const vote = (peer: string) => {
      const lease = leaseOne(peer)
      return t.store.voteMany([
        {
          vote: { peer, digest: 'd' },
          k: 2,
          outcome: { id: lease.id, token: lease.token, ok: true, output: 1 },
        },
      ])[0]!
    }
    expect(vote('p1')).toMatchObject({ ok: true, task: { state: 'queued' } })
    expect(vote('p2')).toMatchObject({ ok: true, task: { state: 'succeeded' } })
    expect(history(quorum.id)).toMatchObject([
      { attempt: 1, workerId: 'p1', outcome: 'answered', error: null },
      { attempt: 1, workerId: 'p2', outcome: 'succeeded', error: null },
    ])
  })

  it('keeps at most max attempts plus the extra rows per task, the newest ones', () => {
    const task = submitOne({ maxAttempts: 2 })
    const cap = 2 + EXTRA_ATTEMPT_ROWS
    // A lease given back never uses up an attempt, so it could repeat without end.
    for (let i = 0; i < cap + 5; i++) {
      leaseOne()
      t.clock += 1
      t.store.returnLeases({ code: 'RELAY_RESTARTED', message: `stop ${i}` })
    }
    const last = leaseOne()
    t.store.complete(task.id, last.token, { output: 1 })
    const rows = history(task.id)
    expect(rows).toHaveLength(cap)
    expect(rows.at(-1)).toMatchObject({ outcome: 'succeeded' })
    expect(rows.at(-2)).toMatchObject({ error: { message: `stop ${cap + 4}` } })
    expect(rows[0]).toMatchObject({ error: { message: `stop ${cap + 5 - (cap - 1)}` } })
  })
})

describe('schema version 7 (attempt history)', () => {
  it('upgrades a version-6 file: tasks, leases and tokens kept, attempts recorded from then on', () => {
    const done = submitOne()
    const doneLease = leaseOne()
    t.store.complete(done.id, doneLease.token, { output: 'before' })
    const held = submitOne()
    const heldLease = leaseOne()
    t.store.close()
    const db = new DatabaseSync(t.path)
    db.exec('DROP TRIGGER task_lease_ended; DROP TABLE task_attempts; PRAGMA user_version = 6;')
    db.close()

    t.store = t.open()
    const db2 = new DatabaseSync(t.path)
    const version = (db2.prepare('PRAGMA user_version').get() as { user_version: number }).user_version
    const trigger = db2.prepare(`SELECT name FROM sqlite_master WHERE name = 'task_lease_ended'`).get()
    db2.close()
    expect(version).toBe(SCHEMA_VERSION)
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(7)
    expect(trigger).toEqual({ name: 'task_lease_ended' })
    // Attempts before the upgrade were never recorded; the held lease ends after it.
    expect(history(done.id)).toEqual([])
    expect(t.store.get(done.id)).toMatchObject({ state: 'succeeded', output: 'before' })
    expect(t.store.complete(held.id, heldLease.token, { output: 'after' }).ok).toBe(true)
    expect(history(held.id)).toMatchObject([{ attempt: 1, workerId: 'w1', outcome: 'succeeded' }])
  })
})
