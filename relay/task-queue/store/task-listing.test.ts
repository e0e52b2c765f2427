import { DatabaseSync } from 'node:sqlite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TaskState } from '../../../shared/task/types.ts'
import { TestStore } from '../../../tests/fixtures/test-store.ts'
import { type ListFilter, pageQueries } from './task-listing.ts'
import { TASK_ORDERS, type TaskOrder } from './task-order.ts'
import { SCHEMA_VERSION } from './task-schema.ts'

let t: TestStore
beforeEach(() => {
  t = new TestStore()
})
afterEach(() => t.dispose())

/** Priorities of tasks 0..8, submitted in that order at the same instant (the clock stands still). */
const PRIORITIES = [0, 5, 0, 5, -1, 0, 5, -1, 0]

function submitAll(extra: (n: number) => { kind?: string } = () => ({})): void {
  t.store.submit(PRIORITIES.map((priority, n) => ({ kind: 'echo', input: n, priority, ...extra(n) })))
}

/** Every task's input, read page by page through the store's keyset cursor. */
function readAll(filter: Omit<ListFilter, 'limit'>, limit: number): { inputs: unknown[]; pages: number } {
  const inputs: unknown[] = []
  let page = t.store.list({ ...filter, limit })
  let pages = 1
  inputs.push(...page.tasks.map((x) => x.input))
  while (page.next !== null) {
    page = t.store.list({ ...filter, limit, after: page.next })
    pages++
    inputs.push(...page.tasks.map((x) => x.input))
  }
  return { inputs, pages }
}

const EXPECTED: Record<TaskOrder, number[]> = {
  newest: [8, 7, 6, 5, 4, 3, 2, 1, 0],
  oldest: [0, 1, 2, 3, 4, 5, 6, 7, 8],
  // Highest priority first, FIFO (seq) within a priority: the order the queue leases them.
  priority: [1, 3, 6, 0, 2, 5, 8, 4, 7],
  'lowest-priority': [7, 4, 8, 5, 2, 0, 6, 3, 1],
}

describe('task listing orders', () => {
  it.each(TASK_ORDERS)('lists %s across pages whose boundaries fall inside ties', (order) => {
    submitAll()
    expect(new Set(t.store.list({ limit: 20 }).tasks.map((x) => x.createdAt)).size).toBe(1)
    for (const limit of [1, 2, 4, 9]) {
      const { inputs, pages } = readAll({ order }, limit)
      expect(inputs).toEqual(EXPECTED[order])
      expect(pages).toBe(Math.ceil(9 / limit))
    }
  })

  it('lists in priority order as the queue leases', () => {
    submitAll()
    const leased = t.lease(9).map((x) => x.input)
    expect(leased).toEqual(EXPECTED.priority)
  })

  it.each(TASK_ORDERS)('keeps %s with one state and with several states', (order) => {
    submitAll()
    // Lease the first four in queue order, finish two of them.
    const [a, b] = t.lease(4)
    t.store.complete(a!.id, a!.leaseToken!, { output: 1 })
    t.store.complete(b!.id, b!.leaseToken!, { output: 2 })
    const stateOf = new Map(t.store.list({ limit: 20 }).tasks.map((x) => [x.input as number, x.state]))
    const only = (states: TaskState[]) => EXPECTED[order].filter((n) => states.includes(stateOf.get(n)!))
    for (const states of [
      ['queued'],
      ['succeeded', 'leased'],
      ['queued', 'leased', 'succeeded'],
    ] as TaskState[][]) {
      expect(readAll({ order, states }, 2).inputs).toEqual(only(states))
      expect(t.store.list({ order, states, limit: 2 }).total).toBe(only(states).length)
    }
  })

  it.each(TASK_ORDERS)('keeps %s with a kind and a worker filter', (order) => {
    submitAll((n) => ({ kind: n % 3 === 0 ? 'wasm' : 'echo' }))
    t.lease(9, { workerId: 'w2', kinds: ['wasm'] })
    const wasm = EXPECTED[order].filter((n) => n % 3 === 0)
    expect(readAll({ order, kind: 'wasm' }, 2).inputs).toEqual(wasm)
    expect(readAll({ order, workerId: 'w2' }, 2).inputs).toEqual(wasm)
    expect(readAll({ order, kind: 'echo', states: ['queued'] }, 4).inputs).toEqual(
      EXPECTED[order].filter((n) => n % 3 !== 0),
    )
  })

  it('starts the next page right after the last task even when tasks arrive or move meanwhile', () => {
    submitAll()
    const newest = t.store.list({ order: 'newest', limit: 3 })
    const byPriority = t.store.list({ order: 'priority', limit: 3 })
    t.store.submit([{ kind: 'echo', input: 'late', priority: 5 }])
    // Task 0 moves up, ahead of the page already read: it is not listed twice, nor is a task skipped.
    const zero = t.store.list({ limit: 20 }).tasks.find((x) => x.input === 0)!
    expect(t.store.setPriority(zero.id, 9).ok).toBe(true)
    expect(
      t.store.list({ order: 'newest', limit: 3, after: newest.next! }).tasks.map((x) => x.input),
    ).toEqual([5, 4, 3])
    expect(
      t.store.list({ order: 'priority', limit: 3, after: byPriority.next! }).tasks.map((x) => x.input),
    ).toEqual(['late', 2, 5])
  })

  it('applies an offset on the first page and to the order asked', () => {
    submitAll()
    expect(t.store.list({ order: 'priority', limit: 3, offset: 2 }).tasks.map((x) => x.input)).toEqual([
      6, 0, 2,
    ])
    expect(t.store.list({ order: 'oldest', limit: 2, offset: 8 })).toMatchObject({ next: null, total: 9 })
  })
})

describe('task listing query plans', () => {
  const plan = (filter: ListFilter): string[] => {
    const db = new DatabaseSync(t.path)
    try {
      return pageQueries(filter).flatMap((q) =>
        (
          db.prepare(`EXPLAIN QUERY PLAN ${q.sql} LIMIT ? OFFSET ?`).all(...q.values, 10, 0) as Array<{
            detail: string
          }>
        ).map((row) => row.detail),
      )
    } finally {
      db.close()
    }
  }
  const FILTERS: Array<Omit<ListFilter, 'limit' | 'order' | 'after'>> = [
    {},
    { states: ['queued'] },
    { states: ['succeeded', 'failed'] },
    { kind: 'echo' },
    { workerId: 'w1' },
    { states: ['running'], kind: 'echo' },
  ]

  it.each(TASK_ORDERS)('reads %s in index order, first page and later pages, with every filter', (order) => {
    for (const filter of FILTERS) {
      for (const after of [undefined, { priority: 0, seq: 5 }]) {
        const lines = plan({ ...filter, order, limit: 10, after })
        const context = JSON.stringify({ order, filter, after, lines })
        expect(
          lines.some((l) => l.includes('TEMP B-TREE')),
          context,
        ).toBe(false)
        // With a filter, every read of tasks seeks an index; without one, a scan walks in order and stops at the limit.
        const reads = lines.filter((l) => /\b(SCAN|SEARCH) tasks\b/.test(l))
        expect(reads.length, context).toBeGreaterThan(0)
        if (Object.keys(filter).length > 0 || after !== undefined) {
          expect(
            reads.every((l) => l.startsWith('SEARCH')),
            context,
          ).toBe(true)
        }
      }
    }
  })
})

describe('schema version 8 (listing indexes)', () => {
  const LIST_INDEXES = [
    'tasks_kind',
    'tasks_kind_priority',
    'tasks_priority',
    'tasks_state_priority',
    'tasks_worker',
    'tasks_worker_priority',
  ]
  const inspect = () => {
    const db = new DatabaseSync(t.path)
    try {
      const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version
      const indexes = (
        db
          .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name IN (SELECT value FROM json_each(?))
          ORDER BY name`)
          .all(JSON.stringify(LIST_INDEXES)) as Array<{ name: string }>
      ).map((r) => r.name)
      return { version, indexes }
    } finally {
      db.close()
    }
  }

  it('upgrades a version-7 file: tasks, leases and tokens kept, every order listed from the new indexes', () => {
    submitAll()
    const [held] = t.lease(1)
    t.store.close()
    const db = new DatabaseSync(t.path)
    db.exec(`${LIST_INDEXES.map((name) => `DROP INDEX ${name};`).join(' ')} PRAGMA user_version = 7;`)
    db.close()
    expect(inspect()).toEqual({ version: 7, indexes: [] })

    t.store = t.open()
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(8)
    expect(inspect()).toEqual({ version: SCHEMA_VERSION, indexes: LIST_INDEXES })
    expect(t.store.get(held!.id)).toMatchObject({ state: 'leased', leaseToken: held!.leaseToken })
    expect(t.store.complete(held!.id, held!.leaseToken!, { output: 'ok' }).ok).toBe(true)
    for (const order of TASK_ORDERS) expect(readAll({ order }, 4).inputs).toEqual(EXPECTED[order])
  })

  it('opens a current file again without change', () => {
    submitAll()
    t.reopen()
    expect(inspect()).toEqual({ version: SCHEMA_VERSION, indexes: LIST_INDEXES })
    expect(t.store.list({ limit: 20 }).total).toBe(9)
  })
})
