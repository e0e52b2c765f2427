import { DatabaseSync } from 'node:sqlite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MAX_SUGGESTION_CANDIDATES, suggestKinds } from '../../../shared/task/unknown-kinds.ts'
import { TestStore } from '../../../tests/fixtures/test-store.ts'
import { TaskPolicy } from '../task-policy.ts'
import { KnownKinds, NEW_KINDS_PER_PEER_HOUR } from './known-kinds.ts'
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

describe('a flood of announced kinds', () => {
  function memoryKinds(max: number) {
    const db = new DatabaseSync(':memory:')
    migrate(db, ':memory:')
    return new KnownKinds(db, max)
  }
  const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`)

  it('adds at most NEW_KINDS_PER_PEER_HOUR new kinds per peer per hour', () => {
    const kinds = memoryKinds(10_000)
    for (let i = 0; i < 10; i++) kinds.announced(names(`flood${i}`, 64), 1000 + i, 'flooder')
    expect(kinds.names.size).toBe(NEW_KINDS_PER_PEER_HOUR)
    kinds.announced(['later'], 1000 + 60 * 60_000, 'flooder')
    expect(kinds.has('later')).toBe(true)
  })

  it('does not push out a kind a worker keeps announcing', () => {
    const kinds = memoryKinds(100)
    kinds.announced(['resize-image'], 1, 'legit')
    for (let i = 0; i < 10; i++) {
      kinds.announced(names(`flood${i}`, 64), 10 + 2 * i, `flooder-${i}`)
      kinds.announced(['resize-image'], 11 + 2 * i, 'legit')
    }
    expect(kinds.has('resize-image')).toBe(true)
  })

  it('costs a bounded number of comparisons for a batch of 1,000 unknown kinds with 10,000 remembered', () => {
    const kinds = memoryKinds(10_000)
    for (let i = 0; i < 10_000 / 64; i++) kinds.announced(names(`custom-kind-${i}`, 64), i, `peer-${i}`)
    expect(kinds.names.size).toBe(10_000)
    let compared = 0
    const policy = new TaskPolicy({
      trustDefault: { level: 'any' },
      trustRules: [],
      volunteerTools: [],
      maxActivePerIdentity: 1,
      maxActive: 1,
      unknownKinds: 'warn',
      suggestKinds: (kind, candidates) => {
        compared += candidates.length
        return suggestKinds(kind, candidates)
      },
    })
    const batch = names('custom-kind-typo', 1_000).map((kind) => ({ kind }))
    expect(policy.checkKinds(batch, kinds)).toMatch(/and 995 more/)
    expect(compared).toBeLessThanOrEqual(MAX_SUGGESTION_CANDIDATES)
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
