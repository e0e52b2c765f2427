import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { TestStore } from '../../../tests/fixtures/test-store.ts'

/** The indexes schema v8 added for the task listing (task-order.ts), bar tasks_state_priority (see below). */
const HISTORY_INDEXES = /\btasks_(kind|worker|priority|kind_priority|worker_priority)\b/

let t: TestStore | undefined
afterEach(() => {
  vi.restoreAllMocks()
  t?.dispose()
})

describe('listing indexes and the queue', () => {
  // An index over every task a worker ran or of a kind is what the listing needs, and a
  // trap for the queue's own statements about active or queued tasks: walked in the
  // planner's choice, a worker's renewal or release would read its whole history.
  // tasks_state_priority may stand in for tasks_state: both seek the state first.
  it('leaves the queue statements on their own indexes', () => {
    const prepared = new Set<string>()
    const prepare = DatabaseSync.prototype.prepare
    vi.spyOn(DatabaseSync.prototype, 'prepare').mockImplementation(function (
      this: DatabaseSync,
      sql: string,
    ) {
      prepared.add(sql)
      return prepare.call(this, sql)
    })
    t = new TestStore()
    const { store } = t
    const error = { code: 'TASK_FAILED' as const, message: 'x' }
    const [a, b] = store.submit([{ kind: 'echo' }, { kind: 'echo', requires: ['gpu'] }, { kind: 'echo' }])
    const leased = t.lease(2)
    store.renewLeases('w1', 1000)
    store.markRunning(leased[0]!.id, leased[0]!.leaseToken!)
    store.releaseWorker('w1', error)
    store.expireLeases()
    store.timedOut()
    store.releaseAll(error)
    store.returnLeases(error)
    store.handOffs.forwardable('echo', 5)
    store.handOffs.forwardable('echo', 5, ['gpu'])
    store.setPriority(a!.task.id, 3)
    store.cancel(b!.task.id)
    store.stats()
    store.activeTotal()
    vi.restoreAllMocks()

    const db = new DatabaseSync(t.path)
    try {
      const offending = [...prepared]
        .filter((sql) => /\btasks\b/.test(sql) && !/^\s*(PRAGMA|BEGIN|COMMIT|ROLLBACK|CREATE)/i.test(sql))
        .map((sql) => ({
          sql: sql.replace(/\s+/g, ' ').slice(0, 120),
          plan: (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map(
            (r) => r.detail,
          ),
        }))
        .filter(({ plan }) => plan.some((line) => HISTORY_INDEXES.test(line)))
      expect(prepared.size).toBeGreaterThan(20)
      expect(offending).toEqual([])
    } finally {
      db.close()
    }
  })
})
