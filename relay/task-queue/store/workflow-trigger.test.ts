import { describe, expect, it } from 'vitest'
import { workflowStoreFixture } from '../../../tests/fixtures/workflow-store-fixture.ts'

const f = workflowStoreFixture()
const { insert, steps, stepOf, leasedTask } = f

describe('a task settles its step or item in the same transaction (trigger)', () => {
  it('copies a succeeded task’s inline output or CID and where it ran', () => {
    const id = insert()
    const task = leasedTask()
    steps().startStep(id, 'chunk', 1, { taskId: task.id })
    f.t.clock += 7
    expect(f.t.store.complete(task.id, task.token, { output: { chunks: ['a'] } }).ok).toBe(true)
    expect(stepOf(id, 'chunk')).toMatchObject({
      state: 'succeeded',
      output: { chunks: ['a'] },
      outputCid: null,
      finishedAt: f.t.clock,
      placement: { worker: 'w1' },
    })
    expect(f.t.store.workflows.get(id)!.workflow.updatedAt).toBe(f.t.clock)
    expect(f.t.store.workflows.ownerOfTask(task.id)).toEqual({ workflowId: id, stepId: 'chunk' })
    expect(f.t.store.workflows.ownerOfTask('other')).toBeUndefined()
  })

  it('moves a map item through applyRound, with a CID output', () => {
    const id = insert()
    steps().addItems(id, 'embed', 2)
    const task = leasedTask()
    steps().startItem(id, 'embed', 1, 1, { taskId: task.id })
    f.t.store.applyRound(
      [{ id: task.id, token: task.token }],
      [{ id: task.id, token: task.token, ok: true, outputCid: 'bafybig' }],
    )
    const item = steps().items(id, 'embed')[1]!
    expect(item).toMatchObject({ state: 'succeeded', outputCid: 'bafybig', placement: { worker: 'w1' } })
    expect(item.output).toBeUndefined()
    expect(f.t.store.workflows.ownerOfTask(task.id)).toEqual({ workflowId: id, stepId: 'embed', index: 1 })
  })

  it('puts the step back to pending after a failed task while attempts are left, then fails it', () => {
    const id = insert()
    const first = leasedTask()
    steps().startStep(id, 'chunk', 1, { taskId: first.id })
    f.t.store.fail(
      first.id,
      first.token,
      { code: 'TASK_FAILED', message: 'boom' },
      { retryable: false, retryDelayMs: 0 },
    )
    expect(stepOf(id, 'chunk')).toMatchObject({
      state: 'pending',
      attempt: 1,
      error: { code: 'TASK_FAILED' },
    })
    const second = leasedTask()
    steps().startStep(id, 'chunk', 2, { taskId: second.id })
    // Lease expiry with no attempts left fails the task, and with it the step.
    f.t.clock += 10_000
    expect(f.t.store.expireLeases().map((x) => x.state)).toEqual(['failed'])
    expect(stepOf(id, 'chunk')).toMatchObject({ state: 'failed', error: { code: 'LEASE_EXPIRED' } })
  })

  it('leaves the step alone when an earlier attempt’s task settles late', () => {
    const id = insert()
    const old = leasedTask()
    steps().startStep(id, 'chunk', 1, { taskId: old.id })
    // The engine gave up on attempt 1 (say, its timeout) and started attempt 2.
    steps().finishStep(id, 'chunk', 1, { state: 'failed', error: { code: 'TIMEOUT', message: 'slow' } })
    const current = leasedTask()
    steps().startStep(id, 'chunk', 2, { taskId: current.id })
    expect(f.t.store.complete(old.id, old.token, { output: 'late' }).ok).toBe(true)
    expect(stepOf(id, 'chunk')).toMatchObject({ state: 'running', attempt: 2, taskId: current.id })
    expect(stepOf(id, 'chunk').output).toBeUndefined()
  })

  it('records a member relay that ran the task, and a task retried by the queue keeps its step running', () => {
    const id = insert()
    const [r] = f.t.store.submit([{ kind: 'echo', maxAttempts: 2 }])
    steps().startStep(id, 'chunk', 1, { taskId: r!.task.id })
    const leased = f.t.lease(1)[0]!
    f.t.store.fail(
      leased.id,
      leased.leaseToken!,
      { code: 'WORKER_LOST', message: 'x' },
      { retryable: true, retryDelayMs: 0 },
    )
    expect(stepOf(id, 'chunk').state).toBe('running')
    const handed = f.t.store.leaseTo(r!.task.id, 'relay:peerB', 1000)!
    f.t.store.complete(handed.id, handed.leaseToken!, { output: 1 })
    expect(stepOf(id, 'chunk')).toMatchObject({ state: 'succeeded', placement: { relay: 'peerB' } })
  })

  it('cancels the step when its task is cancelled', () => {
    const id = insert()
    const task = leasedTask()
    steps().startStep(id, 'chunk', 1, { taskId: task.id })
    expect(f.t.store.cancel(task.id, 'by hand').ok).toBe(true)
    expect(stepOf(id, 'chunk')).toMatchObject({
      state: 'cancelled',
      error: { code: 'CANCELLED', message: 'by hand' },
    })
  })

  it('rolls back the step with the task: one transaction', () => {
    const id = insert()
    const task = leasedTask()
    steps().startStep(id, 'chunk', 1, { taskId: task.id })
    expect(() =>
      f.t.store.transaction(() => {
        f.t.store.complete(task.id, task.token, { output: 'x' })
        expect(stepOf(id, 'chunk').state).toBe('succeeded')
        throw new Error('crash before commit')
      }),
    ).toThrow('crash before commit')
    expect(f.t.store.get(task.id)!.state).toBe('leased')
    expect(stepOf(id, 'chunk')).toMatchObject({ state: 'running', finishedAt: null })
    expect(stepOf(id, 'chunk').output).toBeUndefined()
    // Starting a step and submitting its task commit together, or not at all.
    const before = f.t.store.list({ limit: 1 }).total
    expect(() =>
      f.t.store.transaction(() => {
        const [sub] = f.t.store.submit([{ kind: 'echo' }])
        steps().startStep(id, 'index', 1, { taskId: sub!.task.id })
        throw new Error('no')
      }),
    ).toThrow('no')
    expect(f.t.store.list({ limit: 1 }).total).toBe(before)
    expect(stepOf(id, 'index')).toMatchObject({ state: 'pending', attempt: 0, taskId: null })
  })
})
