import { DatabaseSync } from 'node:sqlite'
import { describe, expect, it } from 'vitest'
import type { Tool } from '../../shared/tool/types.ts'
import { AuditGate } from './audit-gate.ts'

const writes = { name: 'cache_set', category: 'cache', annotations: { readOnlyHint: false } } as Tool
const reads = { name: 'cache_get', category: 'cache', annotations: { readOnlyHint: true } } as Tool
const dispatch = { name: 'tools_dispatch', category: 'tools' } as Tool

/** A real SQLITE_FULL from node:sqlite: a database that may not grow past three pages. */
function sqliteFull(): Error {
  const db = new DatabaseSync(':memory:')
  db.exec('CREATE TABLE t (x BLOB); PRAGMA max_page_count = 3')
  try {
    for (let i = 0; i < 100; i++) db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(4096))
  } catch (err) {
    return err as Error
  } finally {
    db.close()
  }
  throw new Error('the database did not fill')
}

/** A gate whose audit log write fails with `failure` until it is cleared; counts the writes tried. */
function gate() {
  const state = { failure: undefined as Error | undefined, flushes: 0 }
  const g = new AuditGate(() => {
    state.flushes++
    if (state.failure) throw state.failure
  })
  return { gate: g, state }
}

describe('AuditGate', () => {
  it('lets every call through, without writing, while the audit log writes', () => {
    const { gate: g, state } = gate()
    g.admit(writes)
    expect(state.flushes).toBe(0)
  })

  it('refuses a state-changing call with STORAGE_FULL naming the audit store while the log cannot be written', () => {
    const { gate: g, state } = gate()
    state.failure = sqliteFull()
    g.failed(state.failure)
    expect(() => g.admit(writes)).toThrow(
      expect.objectContaining({ code: 'STORAGE_FULL', details: { store: 'audit' } }),
    )
    expect(state.flushes).toBe(1)
  })

  it('lets reads and the dispatch front door through while the log cannot be written', () => {
    const { gate: g, state } = gate()
    state.failure = sqliteFull()
    g.failed(state.failure)
    g.admit(reads)
    g.admit(dispatch)
    expect(state.flushes).toBe(0)
  })

  it('opens again as soon as the pending entries are written', () => {
    const { gate: g, state } = gate()
    state.failure = sqliteFull()
    g.failed(state.failure)
    expect(() => g.admit(writes)).toThrow()
    state.failure = undefined
    g.admit(writes)
    g.admit(writes)
    // Written once when space returned; the next call does not try again.
    expect(state.flushes).toBe(2)
  })

  it('is not closed by a failure that is not a full disk', () => {
    const { gate: g, state } = gate()
    g.failed(new Error('the audit log is closed'))
    g.admit(writes)
    expect(state.flushes).toBe(0)
  })
})
