import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { WorkflowSpec } from '../../../shared/workflow/types.ts'
import { TestStore } from '../../../tests/fixtures/test-store.ts'
import type { NewWorkflow } from './workflow-store.ts'

let t: TestStore
beforeEach(() => {
  t = new TestStore()
})
afterEach(() => t.dispose())

const SPEC: WorkflowSpec = {
  name: 'embed',
  steps: [
    { id: 'chunk', type: 'task', kind: 'echo', input: { text: 'a b' } },
    { id: 'embed', type: 'map', over: { $ref: 'chunk' }, do: { type: 'task', kind: 'echo' } },
    { id: 'index', type: 'tool', tool: 'vector_index', params: { vectors: { $ref: 'embed' } } },
  ],
  tags: ['demo'],
}

function planned(spec: WorkflowSpec = SPEC, submitter: string | null = null): NewWorkflow {
  return {
    spec,
    steps: spec.steps.map((s) => ({ id: s.id, type: s.type, maxAttempts: s.type === 'tool' ? 1 : 2 })),
    submitter,
  }
}

function insert(spec: WorkflowSpec = SPEC, submitter: string | null = null): string {
  return t.store.workflows.insert(planned(spec, submitter)).workflow.id
}

const steps = () => t.store.workflows.attempts
const stepOf = (id: string, stepId: string) =>
  t.store.workflows.get(id)!.steps.find((s) => s.stepId === stepId)!

/** A queued task for a step's attempt, leased at once; returns its id and token. */
function leasedTask(input: unknown = {}, maxAttempts = 1): { id: string; token: number } {
  const [r] = t.store.submit([{ kind: 'echo', input, maxAttempts }])
  const [leased] = t.lease(1)
  expect(leased!.id).toBe(r!.task.id)
  return { id: leased!.id, token: leased!.leaseToken! }
}

describe('WorkflowStore insert and read', () => {
  it('stores a running workflow with its steps pending, in spec order, and reads it back', () => {
    const { workflow, created } = t.store.workflows.insert(planned(SPEC, 'alice'))
    expect(created).toBe(true)
    expect(workflow).toMatchObject({
      name: 'embed',
      state: 'running',
      onFailure: 'fail-fast',
      tags: ['demo'],
    })
    expect(workflow).toMatchObject({ submitter: 'alice', createdAt: t.clock, finishedAt: null })
    expect(workflow.counts).toEqual({
      pending: 3,
      running: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      skipped: 0,
    })
    const detail = t.store.workflows.get(workflow.id)!
    expect(detail.spec).toEqual(SPEC)
    expect(detail.workflow).toEqual(workflow)
    expect(detail.steps.map((s) => [s.stepId, s.type, s.state, s.attempt, s.maxAttempts])).toEqual([
      ['chunk', 'task', 'pending', 0, 2],
      ['embed', 'map', 'pending', 0, 2],
      ['index', 'tool', 'pending', 0, 1],
    ])
    expect(detail.steps[1]!.items).toEqual({ total: 0, succeeded: 0, failed: 0, running: 0 })
    expect(detail.steps[0]!.items).toBeUndefined()
    expect(t.store.workflows.get('nope')).toBeUndefined()
  })

  it('returns the first workflow for a repeated idempotency key, also after a restart', () => {
    const spec = { ...SPEC, idempotencyKey: 'k1' }
    const first = t.store.workflows.insert(planned(spec))
    t.reopen()
    const again = t.store.workflows.insert(planned({ ...spec, name: 'other' }))
    expect(again.created).toBe(false)
    expect(again.workflow.id).toBe(first.workflow.id)
    expect(again.workflow.name).toBe('embed')
    expect(t.store.workflows.list({ limit: 10 }).total).toBe(1)
  })

  it('stores nothing when a step row cannot be written (duplicate step ids)', () => {
    const bad: NewWorkflow = {
      spec: SPEC,
      steps: [
        { id: 'a', type: 'task', maxAttempts: 1 },
        { id: 'a', type: 'task', maxAttempts: 1 },
      ],
    }
    expect(() => t.store.workflows.insert(bad)).toThrow()
    expect(t.store.workflows.list({ limit: 10 }).total).toBe(0)
  })

  it('lists newest first, filtered by state, tag and submitter, with offset and cursor paging', () => {
    const ids: string[] = []
    for (let n = 0; n < 5; n++) {
      t.clock += 1
      ids.push(insert({ ...SPEC, tags: n % 2 === 0 ? ['even'] : ['odd'] }, n < 2 ? 'alice' : 'bob'))
    }
    t.store.workflows.finish(ids[1]!, 'succeeded')
    const all = t.store.workflows.list({ limit: 2 })
    expect(all.total).toBe(5)
    expect(all.workflows.map((w) => w.id)).toEqual([ids[4], ids[3]])
    const next = t.store.workflows.list({ limit: 2, cursor: all.nextCursor! })
    expect(next.workflows.map((w) => w.id)).toEqual([ids[2], ids[1]])
    const last = t.store.workflows.list({ limit: 2, cursor: next.nextCursor! })
    expect(last.workflows.map((w) => w.id)).toEqual([ids[0]])
    expect(last.nextCursor).toBeNull()
    expect(t.store.workflows.list({ limit: 2, offset: 4 }).workflows.map((w) => w.id)).toEqual([ids[0]])
    expect(t.store.workflows.list({ limit: 9, state: 'succeeded' }).workflows.map((w) => w.id)).toEqual([
      ids[1],
    ])
    expect(t.store.workflows.list({ limit: 9, state: 'running' }).total).toBe(4)
    expect(t.store.workflows.list({ limit: 9, tag: 'even' }).workflows.map((w) => w.id)).toEqual([
      ids[4],
      ids[2],
      ids[0],
    ])
    const alice = t.store.workflows.list({ limit: 9, submitter: 'alice', tag: 'odd' })
    expect(alice.workflows.map((w) => w.id)).toEqual([ids[1]])
    expect(alice.workflows[0]!.counts.pending).toBe(3)
  })
})

describe('step attempts, fenced', () => {
  it('starts attempt n only from pending with attempt n-1, within max attempts', () => {
    const id = insert()
    expect(steps().startStep(id, 'nope', 1)).toEqual({ ok: false, reason: 'not_found' })
    expect(steps().startStep(id, 'chunk', 2)).toEqual({ ok: false, reason: 'stale_attempt' })
    t.clock += 5
    const started = steps().startStep(id, 'chunk', 1, { taskId: 'task-1', placement: { relay: 'r1' } })
    expect(started).toMatchObject({ ok: true, step: { state: 'running', attempt: 1, taskId: 'task-1' } })
    expect(stepOf(id, 'chunk')).toMatchObject({ startedAt: t.clock, placement: { relay: 'r1' } })
    expect(t.store.workflows.get(id)!.workflow.updatedAt).toBe(t.clock)
    expect(steps().startStep(id, 'chunk', 1)).toEqual({ ok: false, reason: 'stale_attempt' })
    expect(steps().startStep(id, 'chunk', 2)).toEqual({ ok: false, reason: 'not_pending' })
    // The tool step has one attempt.
    steps().startStep(id, 'index', 1)
    steps().finishStep(id, 'index', 1, { state: 'failed', error: { code: 'TASK_FAILED', message: 'x' } })
    expect(stepOf(id, 'index').state).toBe('failed')
  })

  it('refuses a stale attempt’s finish and keeps the current attempt', () => {
    const id = insert()
    steps().startStep(id, 'chunk', 1)
    const failed = steps().finishStep(id, 'chunk', 1, {
      state: 'failed',
      error: { code: 'TIMEOUT', message: 't' },
    })
    // Attempts are left: back to pending, its error kept for status.
    expect(failed).toMatchObject({ ok: true, step: { state: 'pending', attempt: 1, finishedAt: null } })
    expect(stepOf(id, 'chunk').error).toEqual({ code: 'TIMEOUT', message: 't' })
    steps().startStep(id, 'chunk', 2)
    expect(stepOf(id, 'chunk').error).toBeNull()
    expect(steps().finishStep(id, 'chunk', 1, { state: 'succeeded', output: 'late' })).toEqual({
      ok: false,
      reason: 'stale_attempt',
    })
    expect(stepOf(id, 'chunk')).toMatchObject({ state: 'running', attempt: 2 })
    t.clock += 3
    const done = steps().finishStep(id, 'chunk', 2, {
      state: 'succeeded',
      output: ['a', 'b'],
      placement: { runtime: 'local' },
    })
    expect(done).toMatchObject({
      ok: true,
      step: { state: 'succeeded', output: ['a', 'b'], finishedAt: t.clock },
    })
    expect(stepOf(id, 'chunk').placement).toEqual({ runtime: 'local' })
    expect(steps().finishStep(id, 'chunk', 2, { state: 'succeeded' })).toEqual({
      ok: false,
      reason: 'not_running',
    })
    expect(steps().finishStep(id, 'nope', 1, { state: 'succeeded' })).toEqual({
      ok: false,
      reason: 'not_found',
    })
  })

  it('ends a failure as failed when the attempts are spent or the failure is final', () => {
    const id = insert()
    steps().startStep(id, 'chunk', 1)
    steps().finishStep(id, 'chunk', 1, { state: 'failed', error: { code: 'TASK_FAILED', message: 'a' } })
    steps().startStep(id, 'chunk', 2)
    const last = steps().finishStep(id, 'chunk', 2, {
      state: 'failed',
      error: { code: 'TASK_FAILED', message: 'b' },
    })
    expect(last).toMatchObject({ ok: true, step: { state: 'failed', error: { message: 'b' } } })
    expect(steps().startStep(id, 'chunk', 3)).toEqual({ ok: false, reason: 'not_pending' })
    steps().startStep(id, 'embed', 1)
    const final = steps().finishStep(id, 'embed', 1, {
      state: 'failed',
      error: { code: 'INVALID_INPUT', message: 'not a list' },
      final: true,
    })
    expect(final).toMatchObject({ ok: true, step: { state: 'failed', attempt: 1 } })
  })

  it('closes pending steps as skipped, and leaves the others alone', () => {
    const id = insert()
    steps().startStep(id, 'chunk', 1)
    const closed = steps().closePending(id, ['chunk', 'embed', 'index'], 'skipped')
    expect(closed.map((s) => s.stepId)).toEqual(['embed', 'index'])
    expect(t.store.workflows.get(id)!.workflow.counts).toMatchObject({ running: 1, skipped: 2 })
  })

  it('starts nothing in a workflow that has ended', () => {
    const id = insert()
    expect(t.store.workflows.finish(id, 'failed')).toMatchObject({ ok: true, workflow: { state: 'failed' } })
    expect(steps().startStep(id, 'chunk', 1)).toEqual({ ok: false, reason: 'workflow_finished' })
  })
})

describe('map items', () => {
  it('adds items once, hands out pending ones by index, and fences their attempts', () => {
    const id = insert()
    expect(steps().addItems(id, 'chunk', 3)).toBe(0)
    expect(steps().addItems(id, 'embed', 3)).toBe(3)
    expect(steps().addItems(id, 'embed', 3)).toBe(0)
    expect(steps().pendingItems(id, 'embed', 2)).toEqual([0, 1])
    expect(steps().startItem(id, 'embed', 0, 1, { taskId: 'a' })).toMatchObject({
      ok: true,
      item: { state: 'running' },
    })
    expect(steps().startItem(id, 'embed', 0, 1)).toEqual({ ok: false, reason: 'stale_attempt' })
    expect(steps().startItem(id, 'embed', 9, 1)).toEqual({ ok: false, reason: 'not_found' })
    expect(steps().pendingItems(id, 'embed', 5)).toEqual([1, 2])
    steps().finishItem(id, 'embed', 0, 1, { state: 'failed', error: { code: 'TIMEOUT', message: 't' } })
    expect(steps().pendingItems(id, 'embed', 5)).toEqual([0, 1, 2])
    steps().startItem(id, 'embed', 0, 2)
    expect(steps().finishItem(id, 'embed', 0, 1, { state: 'succeeded', output: 'late' })).toEqual({
      ok: false,
      reason: 'stale_attempt',
    })
    expect(steps().startItem(id, 'embed', 0, 3)).toEqual({ ok: false, reason: 'not_pending' })
    expect(steps().startItem(id, 'embed', 0, 4)).toEqual({ ok: false, reason: 'stale_attempt' })
    steps().finishItem(id, 'embed', 0, 2, { state: 'succeeded', output: [0.5] })
    steps().startItem(id, 'embed', 2, 1)
    steps().finishItem(id, 'embed', 2, 1, { state: 'succeeded', outputCid: 'bafyitem' })
    steps().startItem(id, 'embed', 1, 1)
    expect(steps().itemCounts(id, 'embed')).toEqual({
      total: 3,
      pending: 0,
      running: 1,
      succeeded: 2,
      failed: 0,
      cancelled: 0,
    })
    expect(stepOf(id, 'embed').items).toEqual({ total: 3, succeeded: 2, failed: 0, running: 1 })
    const items = steps().items(id, 'embed')
    expect(items.map((i) => [i.index, i.state, i.attempt, i.output, i.outputCid])).toEqual([
      [0, 'succeeded', 2, [0.5], null],
      [1, 'running', 1, undefined, null],
      [2, 'succeeded', 1, undefined, 'bafyitem'],
    ])
    expect(
      steps()
        .items(id, 'embed', 2, 10)
        .map((i) => i.index),
    ).toEqual([2])
  })

  it('stores a map over 10,000 items in one transaction and pages through them', () => {
    const id = insert()
    t.store.transaction(() => {
      steps().startStep(id, 'embed', 1)
      expect(steps().addItems(id, 'embed', 10_000)).toBe(10_000)
    })
    expect(steps().pendingItems(id, 'embed', 16)).toEqual(Array.from({ length: 16 }, (_, i) => i))
    expect(steps().itemCounts(id, 'embed')).toMatchObject({ total: 10_000, pending: 10_000 })
    expect(
      steps()
        .items(id, 'embed', 9_998, 10)
        .map((i) => i.index),
    ).toEqual([9_998, 9_999])
  })
})

describe('a task settles its step or item in the same transaction (trigger)', () => {
  it('copies a succeeded task’s inline output or CID and where it ran', () => {
    const id = insert()
    const task = leasedTask()
    steps().startStep(id, 'chunk', 1, { taskId: task.id })
    t.clock += 7
    expect(t.store.complete(task.id, task.token, { output: { chunks: ['a'] } }).ok).toBe(true)
    expect(stepOf(id, 'chunk')).toMatchObject({
      state: 'succeeded',
      output: { chunks: ['a'] },
      outputCid: null,
      finishedAt: t.clock,
      placement: { worker: 'w1' },
    })
    expect(t.store.workflows.get(id)!.workflow.updatedAt).toBe(t.clock)
    expect(t.store.workflows.ownerOfTask(task.id)).toEqual({ workflowId: id, stepId: 'chunk' })
    expect(t.store.workflows.ownerOfTask('other')).toBeUndefined()
  })

  it('moves a map item through applyRound, with a CID output', () => {
    const id = insert()
    steps().addItems(id, 'embed', 2)
    const task = leasedTask()
    steps().startItem(id, 'embed', 1, 1, { taskId: task.id })
    t.store.applyRound(
      [{ id: task.id, token: task.token }],
      [{ id: task.id, token: task.token, ok: true, outputCid: 'bafybig' }],
    )
    const item = steps().items(id, 'embed')[1]!
    expect(item).toMatchObject({ state: 'succeeded', outputCid: 'bafybig', placement: { worker: 'w1' } })
    expect(item.output).toBeUndefined()
    expect(t.store.workflows.ownerOfTask(task.id)).toEqual({ workflowId: id, stepId: 'embed', index: 1 })
  })

  it('puts the step back to pending after a failed task while attempts are left, then fails it', () => {
    const id = insert()
    const first = leasedTask()
    steps().startStep(id, 'chunk', 1, { taskId: first.id })
    t.store.fail(
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
    t.clock += 10_000
    expect(t.store.expireLeases().map((x) => x.state)).toEqual(['failed'])
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
    expect(t.store.complete(old.id, old.token, { output: 'late' }).ok).toBe(true)
    expect(stepOf(id, 'chunk')).toMatchObject({ state: 'running', attempt: 2, taskId: current.id })
    expect(stepOf(id, 'chunk').output).toBeUndefined()
  })

  it('records a member relay that ran the task, and a task retried by the queue keeps its step running', () => {
    const id = insert()
    const [r] = t.store.submit([{ kind: 'echo', maxAttempts: 2 }])
    steps().startStep(id, 'chunk', 1, { taskId: r!.task.id })
    const leased = t.lease(1)[0]!
    t.store.fail(
      leased.id,
      leased.leaseToken!,
      { code: 'WORKER_LOST', message: 'x' },
      { retryable: true, retryDelayMs: 0 },
    )
    expect(stepOf(id, 'chunk').state).toBe('running')
    const handed = t.store.leaseTo(r!.task.id, 'relay:peerB', 1000)!
    t.store.complete(handed.id, handed.leaseToken!, { output: 1 })
    expect(stepOf(id, 'chunk')).toMatchObject({ state: 'succeeded', placement: { relay: 'peerB' } })
  })

  it('cancels the step when its task is cancelled', () => {
    const id = insert()
    const task = leasedTask()
    steps().startStep(id, 'chunk', 1, { taskId: task.id })
    expect(t.store.cancel(task.id, 'by hand').ok).toBe(true)
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
      t.store.transaction(() => {
        t.store.complete(task.id, task.token, { output: 'x' })
        expect(stepOf(id, 'chunk').state).toBe('succeeded')
        throw new Error('crash before commit')
      }),
    ).toThrow('crash before commit')
    expect(t.store.get(task.id)!.state).toBe('leased')
    expect(stepOf(id, 'chunk')).toMatchObject({ state: 'running', finishedAt: null })
    expect(stepOf(id, 'chunk').output).toBeUndefined()
    // Starting a step and submitting its task commit together, or not at all.
    const before = t.store.list({ limit: 1 }).total
    expect(() =>
      t.store.transaction(() => {
        const [sub] = t.store.submit([{ kind: 'echo' }])
        steps().startStep(id, 'index', 1, { taskId: sub!.task.id })
        throw new Error('no')
      }),
    ).toThrow('no')
    expect(t.store.list({ limit: 1 }).total).toBe(before)
    expect(stepOf(id, 'index')).toMatchObject({ state: 'pending', attempt: 0, taskId: null })
  })
})

describe('cancel and finish a workflow', () => {
  it('cancels pending steps and items and reports the running attempts; finished work is kept', () => {
    const id = insert()
    steps().startStep(id, 'chunk', 1)
    steps().finishStep(id, 'chunk', 1, { state: 'succeeded', output: [1, 2, 3] })
    steps().startStep(id, 'embed', 1)
    steps().addItems(id, 'embed', 3)
    const task = leasedTask()
    steps().startItem(id, 'embed', 0, 1, { taskId: task.id })
    t.clock += 1
    const result = t.store.workflows.cancel(id)
    expect(result).toMatchObject({ ok: true, workflow: { state: 'cancelled', finishedAt: t.clock } })
    if (!result.ok) return
    expect(result.running).toEqual([{ stepId: 'embed', index: 0, attempt: 1, taskId: task.id }])
    expect(stepOf(id, 'chunk')).toMatchObject({ state: 'succeeded', output: [1, 2, 3] })
    expect(stepOf(id, 'index')).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' } })
    expect(steps().itemCounts(id, 'embed')).toMatchObject({ running: 1, cancelled: 2 })
    // The engine cancels the running task; the trigger cancels its item.
    t.store.cancel(task.id)
    expect(steps().itemCounts(id, 'embed')).toMatchObject({ running: 0, cancelled: 3 })
    expect(t.store.workflows.finish(id, 'succeeded')).toEqual({ ok: false, reason: 'already_finished' })
    expect(t.store.workflows.cancel(id)).toEqual({ ok: false, reason: 'already_finished' })
    expect(t.store.workflows.cancel('nope')).toEqual({ ok: false, reason: 'not_found' })
    expect(t.store.workflows.finish('nope', 'failed')).toEqual({ ok: false, reason: 'not_found' })
  })

  it('fails, not retries, a running step whose task fails after the workflow was cancelled', () => {
    const id = insert()
    const task = leasedTask()
    steps().startStep(id, 'chunk', 1, { taskId: task.id })
    t.store.workflows.cancel(id)
    t.store.fail(
      task.id,
      task.token,
      { code: 'TASK_FAILED', message: 'x' },
      { retryable: false, retryDelayMs: 0 },
    )
    expect(stepOf(id, 'chunk').state).toBe('failed')
  })

  it('sets the final state once: a cancel after it is refused', () => {
    const id = insert()
    expect(t.store.workflows.finish(id, 'succeeded')).toMatchObject({
      ok: true,
      workflow: { state: 'succeeded' },
    })
    expect(t.store.workflows.cancel(id)).toEqual({ ok: false, reason: 'already_finished' })
    expect(t.store.workflows.get(id)!.workflow.state).toBe('succeeded')
  })
})
