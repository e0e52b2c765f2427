import { DatabaseSync } from 'node:sqlite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestStore } from '../../../tests/fixtures/test-store.ts'
import { SCHEMA_VERSION } from './task-schema.ts'

let t: TestStore
beforeEach(() => {
  t = new TestStore()
})
afterEach(() => t.dispose())

/** Turns the file into what a version-5 relay left: no workflow tables, no trigger. */
function downgradeToV5(path: string): void {
  const db = new DatabaseSync(path)
  db.exec(`DROP TRIGGER workflow_task_settled; DROP TABLE workflow_items; DROP TABLE workflow_steps;
    DROP TABLE workflows; PRAGMA user_version = 5;`)
  db.close()
}

function inspect(path: string): { version: number; tables: string[]; triggers: string[] } {
  const db = new DatabaseSync(path)
  try {
    const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version
    const names = (type: string) =>
      (
        db.prepare('SELECT name FROM sqlite_master WHERE type = ? ORDER BY name').all(type) as Array<{
          name: string
        }>
      )
        .map((r) => r.name)
        .filter((n) => n.startsWith('workflow'))
    return { version, tables: names('table'), triggers: names('trigger') }
  } finally {
    db.close()
  }
}

describe('schema version 6 (workflows)', () => {
  it('upgrades a version-5 file in place, keeping its tasks, leases and fencing counter', () => {
    const [first, queued] = t.store.submit([
      { kind: 'echo', input: { n: 1 }, idempotencyKey: 'k' },
      { kind: 'echo', input: { n: 2 } },
    ])
    const [leased] = t.lease(1)
    t.store.close()
    downgradeToV5(t.path)
    expect(inspect(t.path)).toEqual({ version: 5, tables: [], triggers: [] })

    t.store = t.open()
    const store = t.store
    expect(inspect(t.path)).toEqual({
      version: SCHEMA_VERSION,
      tables: ['workflow_items', 'workflow_steps', 'workflows'],
      triggers: ['workflow_task_settled'],
    })
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(6)
    expect(first!.task.id).toBe(leased!.id)
    expect(store.get(queued!.task.id)).toMatchObject({ state: 'queued', input: { n: 2 } })
    expect(store.get(leased!.id)).toMatchObject({ state: 'leased', leaseToken: leased!.leaseToken })
    expect(store.submit([{ kind: 'echo', idempotencyKey: 'k' }])[0]!.created).toBe(false)
    expect(store.list({ limit: 10 }).total).toBe(2)
    // A task from before the upgrade settles as before, and workflows work at once.
    expect(store.complete(leased!.id, leased!.leaseToken!, { output: 'ok' }).ok).toBe(true)
    const { workflow } = store.workflows.insert({
      spec: { steps: [{ id: 'a', type: 'task', kind: 'echo' }] },
      steps: [{ id: 'a', type: 'task', maxAttempts: 1 }],
    })
    expect(store.workflows.attempts.startStep(workflow.id, 'a', 1, { taskId: queued!.task.id }).ok).toBe(true)
    const [next] = t.lease(1)
    store.complete(next!.id, next!.leaseToken!, { output: 'b' })
    expect(store.workflows.get(workflow.id)!.steps[0]).toMatchObject({ state: 'succeeded', output: 'b' })
  })

  it('opens a current file again without change', () => {
    t.store.workflows.insert({ spec: { steps: [] }, steps: [] })
    t.reopen()
    expect(t.store.workflows.list({ limit: 5 }).total).toBe(1)
    expect(inspect(t.path).version).toBe(SCHEMA_VERSION)
  })
})
