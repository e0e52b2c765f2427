import { DatabaseSync } from 'node:sqlite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { removalBound } from '../../../shared/task/retention.ts'
import { TestStore } from '../../../tests/fixtures/test-store.ts'
import { START } from './task-retention.ts'
import { SCHEMA_VERSION } from './task-schema.ts'

let t: TestStore
beforeEach(() => {
  t = new TestStore()
})
afterEach(() => t.dispose())

const EVERYTHING = { finishedAt: Number.MAX_SAFE_INTEGER, seq: Number.MAX_SAFE_INTEGER }

/** A cancelled (finished) task at the store's clock. */
function finished(spec: { inputCid?: string } = {}): string {
  const [r] = t.store.submit([{ kind: 'echo', input: 1, ...spec }])
  const id = r!.task.id
  t.store.cancel(id)
  return id
}

function raw(sql: string): void {
  const db = new DatabaseSync(t.path)
  db.exec(sql)
  db.close()
}

describe('TaskRetention', () => {
  it('removes finished tasks with their attempts, records their ids and queues their blocks', () => {
    const queued = t.store.submit([{ kind: 'other', inputCid: 'bafyshared' }])[0]!.task.id
    const leased = t.store.submit([{ kind: 'echo' }])[0]!.task.id
    expect(t.lease().map((task) => task.id)).toEqual([leased])
    const gone = finished({ inputCid: 'bafyshared' })
    t.clock += 10
    const batch = t.store.retention.removeTasks(START, EVERYTHING, 100, t.clock)
    expect(batch).toEqual({ removed: 1, next: undefined })
    expect(t.store.get(gone)).toBeUndefined()
    expect(t.store.retention.expiredAt(gone)).toBe(t.clock)
    expect(t.store.get(queued)?.state).toBe('queued')
    expect(t.store.get(leased)?.state).toBe('leased')
    // The block is queued for collection, and still referenced by the live task.
    expect(t.store.retention.orphanBlocks(10)).toEqual(['bafyshared'])
    expect(t.store.retention.isReferenced('bafyshared')).toBe(true)
  })

  it("queues a succeeded task's output block, and forgets it once dealt with", () => {
    t.store.submit([{ kind: 'echo', input: 1 }])
    const [task] = t.lease()
    expect(t.store.complete(task!.id, task!.leaseToken!, { outputCid: 'bafyout' }).ok).toBe(true)
    expect(t.store.retention.isReferenced('bafyout')).toBe(true)
    expect(t.store.retention.removeTasks(START, EVERYTHING, 10, t.clock).removed).toBe(1)
    expect(t.store.retention.isReferenced('bafyout')).toBe(false)
    expect(t.store.retention.orphanBlocks(10)).toEqual(['bafyout'])
    t.store.retention.forgetOrphans(['bafyout'])
    expect(t.store.retention.orphanBlocks(10)).toEqual([])
  })

  it('walks in batches, oldest first, and stops at the bound', () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      ids.push(finished())
      t.clock += 1000
    }
    // Keep the 2 newest: the bound is the 3rd newest.
    const bound = removalBound(t.clock, { maxAgeMs: 1e12 }, t.store.retention.taskCountBoundary(2))
    const first = t.store.retention.removeTasks(START, bound, 2, t.clock)
    expect(first.removed).toBe(2)
    expect(first.next).toBeDefined()
    const second = t.store.retention.removeTasks(first.next!, bound, 2, t.clock)
    expect(second).toEqual({ removed: 1, next: undefined })
    expect(ids.map((id) => t.store.get(id) !== undefined)).toEqual([false, false, false, true, true])
  })

  it('ends a batch early, after one row, once it has held the loop long enough', () => {
    const ids = [finished(), finished(), finished()]
    const batch = t.store.retention.removeTasks(START, EVERYTHING, 100, t.clock, () => true)
    expect(batch.removed).toBe(1)
    expect(t.store.retention.removeTasks(batch.next!, EVERYTHING, 100, t.clock).removed).toBe(2)
    expect(ids.map((id) => t.store.get(id))).toEqual([undefined, undefined, undefined])
  })

  it("removes a finished workflow's many items over several batches, then the workflow", () => {
    raw(`INSERT INTO workflows (id, state, on_failure, tags, spec, created_at, updated_at, finished_at)
           VALUES ('wf', 'succeeded', 'stop', '[]', '{}', 1, 1, 5);
         INSERT INTO workflow_steps (workflow_id, step_id, position, type, state, max_attempts, output_cid, created_at)
           VALUES ('wf', 'm', 0, 'map', 'succeeded', 1, 'bafystep', 1);
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 4)
         INSERT INTO workflow_items (workflow_id, step_id, item_index, state, output_cid)
           SELECT 'wf', 'm', i, 'succeeded', 'bafyitem' || i FROM n;`)
    let batch = t.store.retention.removeWorkflows(START, EVERYTHING, 2)
    let batches = 1
    while (batch.next !== undefined) {
      batch = t.store.retention.removeWorkflows(batch.next, EVERYTHING, 2)
      batches++
    }
    expect(batches).toBeGreaterThanOrEqual(3)
    expect(t.store.workflows.get('wf')).toBeUndefined()
    expect(t.store.retention.orphanBlocks(100).sort()).toEqual([
      'bafyitem0',
      'bafyitem1',
      'bafyitem2',
      'bafyitem3',
      'bafyitem4',
      'bafystep',
    ])
  })

  it('keeps the finished tasks of a running workflow and undelivered forwarded results', () => {
    const ofWorkflow = finished()
    const forwarded = finished()
    raw(`INSERT INTO workflows (id, state, on_failure, tags, spec, created_at, updated_at)
           VALUES ('wf', 'running', 'stop', '[]', '{}', 1, 1);
         INSERT INTO workflow_steps (workflow_id, step_id, position, type, state, max_attempts, task_id, created_at)
           VALUES ('wf', 's', 0, 'task', 'succeeded', 1, '${ofWorkflow}', 1);
         INSERT INTO forwarded_in (task_id, relay, remote_id, fence, lease_ms, renewed_at)
           VALUES ('${forwarded}', 'relayA', 'r1', 1, 1000, 1);`)
    expect(t.store.retention.removeTasks(START, EVERYTHING, 100, t.clock).removed).toBe(0)
    raw(`UPDATE workflows SET state = 'succeeded', finished_at = 2 WHERE id = 'wf';
         UPDATE forwarded_in SET delivered_at = 2;`)
    expect(t.store.retention.removeTasks(START, EVERYTHING, 100, t.clock).removed).toBe(2)
    // The finished workflow goes too (same policy), with its steps.
    expect(t.store.retention.removeWorkflows(START, EVERYTHING, 100).removed).toBe(1)
    expect(t.store.workflows.get('wf')).toBeUndefined()
  })

  it('bounds the record of expired ids by count and by age', () => {
    const ids = Array.from({ length: 5 }, () => finished())
    t.store.retention.removeTasks(START, EVERYTHING, 100, t.clock)
    // By count: the 3 newest records stay.
    expect(t.store.retention.trimExpired(0, 3, 100)).toBe(2)
    expect(ids.map((id) => t.store.retention.expiredAt(id) !== undefined)).toEqual([
      false,
      false,
      true,
      true,
      true,
    ])
    // By age: records from before the cutoff go.
    expect(t.store.retention.trimExpired(t.clock + 1, 100, 100)).toBe(3)
    expect(t.store.retention.trimExpired(t.clock + 1, 100, 100)).toBe(0)
  })

  it('turns an existing database without incremental auto_vacuum into one, once', () => {
    t.store.close()
    raw(`PRAGMA auto_vacuum = NONE; VACUUM; PRAGMA user_version = ${SCHEMA_VERSION - 1};`)
    const before = new DatabaseSync(t.path)
    expect(before.prepare('PRAGMA auto_vacuum').get()).toEqual({ auto_vacuum: 0 })
    before.close()
    t.store = t.open()
    const after = new DatabaseSync(t.path)
    expect(after.prepare('PRAGMA auto_vacuum').get()).toEqual({ auto_vacuum: 2 })
    expect(after.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION })
    after.close()
  })

  it('gives free pages back to the OS after a removal', () => {
    const big = 'x'.repeat(8000)
    t.store.submit(Array.from({ length: 300 }, () => ({ kind: 'echo', input: big })))
    for (const task of t.store.list({ limit: 1000 }).tasks) t.store.cancel(task.id)
    t.store.retention.removeTasks(START, EVERYTHING, 1000, t.clock)
    const db = new DatabaseSync(t.path)
    const free = () =>
      (db.prepare('PRAGMA freelist_count').get() as { freelist_count: number }).freelist_count
    expect(free()).toBeGreaterThan(300)
    let step = t.store.retention.vacuum(100)
    expect(step.freedPages).toBe(100)
    while (step.freeLeft > 0) step = t.store.retention.vacuum(100)
    expect(free()).toBe(0)
    db.close()
  })
})
