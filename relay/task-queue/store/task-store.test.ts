import { DatabaseSync } from 'node:sqlite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestStore } from '../../../tests/fixtures/test-store.ts'
import { SCHEMA_VERSION } from './task-schema.ts'
import { TaskStore } from './task-store.ts'

let t: TestStore
beforeEach(() => {
  t = new TestStore()
})
afterEach(() => t.dispose())

/** Writes raw column values, as a damaged or hand-edited database would hold them. */
function tamper(id: string, assignments: string): void {
  const db = new DatabaseSync(t.path)
  db.exec(`UPDATE tasks SET ${assignments} WHERE id = '${id}'`)
  db.close()
}

describe('TaskStore submission', () => {
  it('submits a batch in order with fresh ids, increasing seqs and defaults', () => {
    const results = t.store.submit([
      { kind: 'echo', input: { n: 1 } },
      { kind: 'wasm', inputCid: 'bafy', priority: 7, maxAttempts: 5, timeoutMs: 10, tags: ['a'] },
    ])
    expect(results.map((r) => r.created)).toEqual([true, true])
    const [a, b] = results.map((r) => r.task)
    expect(a).toMatchObject({ kind: 'echo', input: { n: 1 }, state: 'queued', priority: 0, attempt: 0 })
    expect(a).toMatchObject({ maxAttempts: 3, timeoutMs: 60_000, requires: [], tags: [], metadata: {} })
    expect(a).toMatchObject({ createdAt: t.clock, notBefore: t.clock, leaseToken: null, previousId: null })
    expect(b).toMatchObject({ inputCid: 'bafy', priority: 7, maxAttempts: 5, timeoutMs: 10, tags: ['a'] })
    expect(b!.seq).toBeGreaterThan(a!.seq)
    expect(a!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(a!.id).not.toBe(b!.id)
  })

  it('stores values as given, clamping nothing', () => {
    const [r] = t.store.submit([{ kind: 'echo', priority: 5000, maxAttempts: 50, timeoutMs: 1 }])
    expect(r!.task).toMatchObject({ priority: 5000, maxAttempts: 50, timeoutMs: 1 })
  })

  it('rejects a whole batch when a task has no kind', () => {
    expect(() => t.store.submit([{ kind: 'echo' }, { kind: '' }])).toThrow(/kind/)
    expect(() => t.store.submit([{} as never])).toThrow(/kind/)
    expect(t.store.countsByState().queued).toBe(0)
  })

  it('returns the existing task for a repeated idempotency key, even a finished one', () => {
    const [first] = t.store.submit([{ kind: 'echo', idempotencyKey: 'k' }])
    const [again, inBatch] = t.store.submit([
      { kind: 'echo', idempotencyKey: 'k', input: 'other' },
      { kind: 'echo', idempotencyKey: 'k2' },
    ])
    expect(again).toEqual({ task: first!.task, created: false })
    const [dup] = t.store.submit([{ kind: 'echo', idempotencyKey: 'k2' }])
    expect(dup).toEqual({ task: inBatch!.task, created: false })
    const leased = t.lease(1)[0]!
    t.store.complete(leased.id, leased.leaseToken!, { output: 'done' })
    const [late] = t.store.submit([{ kind: 'echo', idempotencyKey: 'k' }])
    expect(late).toMatchObject({ created: false, task: { id: first!.task.id, state: 'succeeded' } })
    expect(t.store.countsByState()).toMatchObject({ queued: 1, succeeded: 1 })
  })
})

describe('TaskStore leasing', () => {
  it('leases higher priorities first and FIFO within a priority', () => {
    t.store.submit([
      { kind: 'echo', input: 'a' },
      { kind: 'echo', input: 'b', priority: 5 },
      { kind: 'wasm', input: 'c' },
      { kind: 'echo', input: 'd', priority: 5 },
      { kind: 'echo', input: 'e', priority: -3 },
    ])
    expect(t.lease(2).map((x) => x.input)).toEqual(['b', 'd'])
    expect(t.lease().map((x) => x.input)).toEqual(['a', 'c', 'e'])
  })

  it('says whether anything is queued, which a round with nothing to lease checks first', () => {
    expect(t.store.hasQueued()).toBe(false)
    t.store.submit([{ kind: 'echo', input: 'a' }])
    expect(t.store.hasQueued()).toBe(true)
    t.lease()
    expect(t.store.hasQueued()).toBe(false)
  })

  it('leases only kinds the worker runs and tasks whose capabilities it has, up to the limit', () => {
    t.store.submit([
      { kind: 'embed' },
      { kind: 'echo', requires: ['gpu'], input: 'gpu' },
      { kind: 'echo', requires: ['gpu', 'big'], input: 'gpu+big' },
      { kind: 'echo', input: 1 },
      { kind: 'echo', input: 2 },
    ])
    expect(t.lease(1).map((x) => x.input)).toEqual([1])
    expect(t.lease(10).map((x) => x.input)).toEqual([2])
    expect(t.lease(10, { capabilities: ['gpu'] }).map((x) => x.input)).toEqual(['gpu'])
    expect(t.lease(10, { capabilities: ['big', 'gpu'] }).map((x) => x.input)).toEqual(['gpu+big'])
    expect(t.lease(10, { kinds: [] })).toEqual([])
    expect(t.lease(0, { kinds: ['embed'] })).toEqual([])
    expect(t.store.countsByState()).toMatchObject({ queued: 1, leased: 4 })
  })

  it('sets the lease fields and starts an attempt', () => {
    const [r] = t.store.submit([{ kind: 'echo' }])
    t.clock += 5
    const leased = t.lease(1, { workerId: 'w9', leaseMs: 250 })[0]!
    expect(leased).toMatchObject({ id: r!.task.id, state: 'leased', attempt: 1, workerId: 'w9' })
    expect(leased).toMatchObject({ leaseExpiresAt: t.clock + 250, startedAt: t.clock, updatedAt: t.clock })
    expect(leased.leaseToken).toBeGreaterThan(0)
    expect(t.store.get(leased.id)).toEqual(leased)
  })

  it('is not starved by many better tasks that the worker cannot run', () => {
    t.store.submit(Array.from({ length: 3000 }, () => ({ kind: 'echo', priority: 9, requires: ['gpu'] })))
    t.store.submit(Array.from({ length: 3000 }, () => ({ kind: 'custom', priority: 9 })))
    t.store.submit([{ kind: 'echo', input: 'plain' }])
    expect(t.lease(5).map((x) => x.input)).toEqual(['plain'])
  })

  it('skips a task whose requires column is unreadable', () => {
    const [bad] = t.store.submit([
      { kind: 'echo', input: 'bad' },
      { kind: 'echo', input: 'ok' },
    ])
    tamper(bad!.task.id, `requires = '{nope'`)
    t.reopen()
    expect(t.lease().map((x) => x.input)).toEqual(['ok'])
  })
})

describe('TaskStore queries', () => {
  it('gets many tasks in the order asked, leaving out unknown ids', () => {
    const ids = t.store.submit([{ kind: 'echo' }, { kind: 'wasm' }]).map((r) => r.task.id)
    expect(t.store.getMany([ids[1]!, 'nope', ids[0]!]).map((x) => x.id)).toEqual([ids[1], ids[0]])
    expect(t.store.getMany([])).toEqual([])
    expect(t.store.get('nope')).toBeUndefined()
  })

  it('lists newest first with filters, totals, offset and cursor paging', () => {
    t.store.submit([
      { kind: 'echo', tags: ['a'], input: 1 },
      { kind: 'wasm', input: 2 },
      { kind: 'echo', tags: ['a', 'b'], input: 3 },
      { kind: 'echo', input: 4 },
    ])
    t.lease(1, { kinds: ['wasm'], workerId: 'w2' })
    const page = t.store.list({ kind: 'echo', limit: 2 })
    expect(page.tasks.map((x) => x.input)).toEqual([4, 3])
    expect(page.total).toBe(3)
    const next = t.store.list({ kind: 'echo', limit: 2, after: page.next! })
    expect(next).toMatchObject({ total: 3, next: null })
    expect(next.tasks.map((x) => x.input)).toEqual([1])
    expect(t.store.list({ kind: 'echo', limit: 2, offset: 2 }).tasks.map((x) => x.input)).toEqual([1])
    expect(t.store.list({ limit: 4 }).next).toBeNull()
    expect(t.store.list({ tag: 'a', limit: 10 }).tasks.map((x) => x.input)).toEqual([3, 1])
    expect(t.store.list({ states: ['leased'], limit: 10 }).tasks.map((x) => x.input)).toEqual([2])
    expect(t.store.list({ workerId: 'w2', limit: 10 }).total).toBe(1)
    expect(t.store.list({ states: ['queued', 'leased'], tag: 'b', limit: 10 }).total).toBe(1)
    expect(t.store.list({ states: [], limit: 10 }).total).toBe(0)
  })

  it('counts tasks by state and reports queue statistics', () => {
    expect(t.store.countsByState()).toEqual({
      queued: 0,
      leased: 0,
      running: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
    })
    t.store.submit([{ kind: 'echo' }, { kind: 'echo' }, { kind: 'echo' }, { kind: 'echo' }])
    const [a, b] = t.lease(2)
    t.store.fail(
      a!.id,
      a!.leaseToken!,
      { code: 'TASK_FAILED', message: 'x' },
      { retryable: true, retryDelayMs: 100 },
    )
    t.store.cancel(b!.id)
    expect(t.store.countsByState()).toMatchObject({ queued: 3, cancelled: 1 })
    expect(t.store.waitingCount()).toBe(2)
    expect(t.store.stats()).toMatchObject({ ready: 2, delayed: 1, oldestQueuedAt: 1_000_000, lastToken: 2 })
  })

  it('reads a row with damaged JSON without throwing and says so', () => {
    const [bad, good] = t.store.submit([{ kind: 'echo', input: { n: 1 }, tags: ['x'] }, { kind: 'echo' }])
    tamper(bad!.task.id, `input = '{broken', tags = 'not json', metadata = '[', state = 'weird'`)
    const task = t.store.get(bad!.task.id)!
    expect(task).toMatchObject({ input: null, tags: [], metadata: {} })
    expect(task.error).toEqual({
      code: 'STORE_DAMAGED',
      message: expect.stringMatching(/input, tags, metadata, state/),
    })
    expect(t.store.list({ limit: 10 }).tasks.map((x) => x.id)).toEqual([good!.task.id, bad!.task.id])
    expect(t.store.getMany([bad!.task.id])).toHaveLength(1)
    expect(t.store.countsByState()).toMatchObject({ queued: 1 })
  })
})

describe('TaskStore schema', () => {
  it('records its schema version and refuses a newer one', () => {
    t.store.close()
    const db = new DatabaseSync(t.path)
    expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION })
    db.exec('PRAGMA user_version = 99')
    db.close()
    expect(() => t.open()).toThrow(/newer/)
    t.store = new TaskStore(':memory:')
  })

  it('upgrades a version 1 database, keeping its tasks', () => {
    const [r] = t.store.submit([{ kind: 'echo', input: 'kept' }])
    t.store.close()
    const db = new DatabaseSync(t.path)
    db.exec(`DROP INDEX tasks_lease; CREATE INDEX tasks_queued ON tasks (priority DESC, seq) WHERE state = 'queued';
      PRAGMA user_version = 1`)
    db.close()
    t.store = t.open()
    expect(t.lease()[0]).toMatchObject({ id: r!.task.id, input: 'kept' })
    t.store.close()
    const check = new DatabaseSync(t.path)
    const indexes = check.prepare(
      `SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'tasks_%'`,
    )
    expect(indexes.all().map((x) => x.name)).toEqual(expect.arrayContaining(['tasks_lease']))
    expect(indexes.all().map((x) => x.name)).not.toContain('tasks_queued')
    check.close()
    t.store = t.open()
  })

  it('upgrades a version 2 database to the trust columns, keeping its tasks', () => {
    const [r] = t.store.submit([{ kind: 'echo', input: 'kept' }])
    t.store.close()
    const db = new DatabaseSync(t.path)
    // A version 2 table: the same columns but the five trust ones.
    const v2 = (db.prepare('PRAGMA table_info(tasks)').all() as Array<{ name: string }>)
      .map((c) => c.name)
      .filter((n) => !['trust', 'votes', 'verification', 'submitter', 'unverified_peer'].includes(n))
    db.exec(`CREATE TABLE v2 AS SELECT ${v2.join(', ')} FROM tasks; DROP TABLE tasks; ALTER TABLE v2 RENAME TO tasks;
      CREATE INDEX tasks_lease ON tasks (kind, requires, priority DESC, seq, not_before) WHERE state = 'queued';
      PRAGMA user_version = 2`)
    db.close()
    t.store = t.open()
    expect(t.lease()[0]).toMatchObject({ id: r!.task.id, input: 'kept', trust: { level: 'any' }, votes: [] })
  })
})
