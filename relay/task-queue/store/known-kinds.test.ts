import { DatabaseSync } from 'node:sqlite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestStore } from '../../../tests/fixtures/test-store.ts'
import { KnownKinds } from './known-kinds.ts'
import { migrate } from './task-schema.ts'

let t: TestStore
beforeEach(() => {
  t = new TestStore()
})
afterEach(() => t.dispose())

describe('the kinds workers announced', () => {
  it('are remembered across a reopen of the store', () => {
    t.store.kinds.announced(['resize-image', 'echo'], t.clock)
    expect(t.reopen().kinds.names.has('resize-image')).toBe(true)
  })

  it('are bounded: past the limit the least recently announced are forgotten', () => {
    const db = new DatabaseSync(':memory:')
    migrate(db, ':memory:')
    const kinds = new KnownKinds(db, 3)
    kinds.announced(['a'], 1)
    kinds.announced(['b'], 2)
    kinds.announced(['c'], 3)
    kinds.announced(['d'], 4)
    expect([...kinds.names.keys()].sort()).toEqual(['b', 'c', 'd'])
    expect([...new KnownKinds(db, 3).names.keys()].sort()).toEqual(['b', 'c', 'd'])
    db.close()
  })
})

describe('queuedAhead', () => {
  it('counts queued tasks of the same kind that run first, up to a limit', () => {
    const [, , mid] = t.store.submit([
      { kind: 'echo', priority: 5 },
      { kind: 'echo' },
      { kind: 'echo' },
      { kind: 'echo' },
      { kind: 'wasm', priority: 9 },
    ])
    expect(t.store.queuedAhead(mid!.task, 100)).toBe(2)
    expect(t.store.queuedAhead(mid!.task, 1)).toBe(1)
  })
})

describe('a stored error', () => {
  it('with a code this relay does not declare reads back as WORKER_ERROR', () => {
    const [r] = t.store.submit([{ kind: 'echo' }])
    // Written by another connection, as an older relay would have left it.
    const db = new DatabaseSync(t.path)
    db.prepare('UPDATE tasks SET error = ? WHERE id = ?').run(
      JSON.stringify({ code: 'OLD_CODE', message: 'from an older worker' }),
      r!.task.id,
    )
    db.close()
    expect(t.store.get(r!.task.id)?.error).toEqual({
      code: 'WORKER_ERROR',
      message: 'OLD_CODE: from an older worker',
    })
  })
})
