import { describe, expect, it } from 'vitest'
import { workflowStoreFixture } from '../../../tests/fixtures/workflow-store-fixture.ts'
import type { NewWorkflow } from './workflow-store.ts'

const f = workflowStoreFixture()
const { SPEC, planned, insert, steps, stepOf, leasedTask } = f

describe('WorkflowStore insert and read', () => {
  it('stores a running workflow with its steps pending, in spec order, and reads it back', () => {
    const { workflow, created } = f.t.store.workflows.insert(planned(SPEC, 'alice'))
    expect(created).toBe(true)
    expect(workflow).toMatchObject({
      name: 'embed',
      state: 'running',
      onFailure: 'fail-fast',
      tags: ['demo'],
    })
    expect(workflow).toMatchObject({ submitter: 'alice', createdAt: f.t.clock, finishedAt: null })
    expect(workflow.counts).toEqual({
      pending: 3,
      running: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      skipped: 0,
    })
    const detail = f.t.store.workflows.get(workflow.id)!
    expect(detail.spec).toEqual(SPEC)
    expect(detail.workflow).toEqual(workflow)
    expect(detail.steps.map((s) => [s.stepId, s.type, s.state, s.attempt, s.maxAttempts])).toEqual([
      ['chunk', 'task', 'pending', 0, 2],
      ['embed', 'map', 'pending', 0, 2],
      ['index', 'tool', 'pending', 0, 1],
    ])
    expect(detail.steps[1]!.items).toEqual({ total: 0, succeeded: 0, failed: 0, running: 0 })
    expect(detail.steps[0]!.items).toBeUndefined()
    expect(f.t.store.workflows.get('nope')).toBeUndefined()
  })

  it('returns the first workflow for a repeated idempotency key, also after a restart', () => {
    const spec = { ...SPEC, idempotencyKey: 'k1' }
    const first = f.t.store.workflows.insert(planned(spec))
    f.t.reopen()
    const again = f.t.store.workflows.insert(planned({ ...spec, name: 'other' }))
    expect(again.created).toBe(false)
    expect(again.workflow.id).toBe(first.workflow.id)
    expect(again.workflow.name).toBe('embed')
    expect(f.t.store.workflows.list({ limit: 10 }).total).toBe(1)
  })

  it('stores nothing when a step row cannot be written (duplicate step ids)', () => {
    const bad: NewWorkflow = {
      spec: SPEC,
      steps: [
        { id: 'a', type: 'task', maxAttempts: 1 },
        { id: 'a', type: 'task', maxAttempts: 1 },
      ],
    }
    expect(() => f.t.store.workflows.insert(bad)).toThrow()
    expect(f.t.store.workflows.list({ limit: 10 }).total).toBe(0)
  })

  it('lists newest first, filtered by state, tag and submitter, with offset and cursor paging', () => {
    const ids: string[] = []
    for (let n = 0; n < 5; n++) {
      f.t.clock += 1
      ids.push(insert({ ...SPEC, tags: n % 2 === 0 ? ['even'] : ['odd'] }, n < 2 ? 'alice' : 'bob'))
    }
    f.t.store.workflows.finish(ids[1]!, 'succeeded')
    const all = f.t.store.workflows.list({ limit: 2 })
    expect(all.total).toBe(5)
    expect(all.workflows.map((w) => w.id)).toEqual([ids[4], ids[3]])
    const next = f.t.store.workflows.list({ limit: 2, cursor: all.nextCursor! })
    expect(next.workflows.map((w) => w.id)).toEqual([ids[2], ids[1]])
    const last = f.t.store.workflows.list({ limit: 2, cursor: next.nextCursor! })
    expect(last.workflows.map((w) => w.id)).toEqual([ids[0]])
    expect(last.nextCursor).toBeNull()
    expect(f.t.store.workflows.list({ limit: 2, offset: 4 }).workflows.map((w) => w.id)).toEqual([ids[0]])
    expect(f.t.store.workflows.list({ limit: 9, state: 'succeeded' }).workflows.map((w) => w.id)).toEqual([
      ids[1],
    ])
    expect(f.t.store.workflows.list({ limit: 9, state: 'running' }).total).toBe(4)
    expect(f.t.store.workflows.list({ limit: 9, tag: 'even' }).workflows.map((w) => w.id)).toEqual([
      ids[4],
      ids[2],
      ids[0],
    ])
    const alice = f.t.store.workflows.list({ limit: 9, submitter: 'alice', tag: 'odd' })
    expect(alice.workflows.map((w) => w.id)).toEqual([ids[1]])
    expect(alice.workflows[0]!.counts.pending).toBe(3)
  })
})

describe('step attempts, fenced', () => {
  it('starts attempt n only from pending with attempt n-1, within max attempts', () => {
    const id = insert()
    expect(steps().startStep(id, 'nope', 1)).toEqual({ ok: false, reason: 'not_found' })
    expect(steps().startStep(id, 'chunk', 2)).toEqual({ ok: false, reason: 'stale_attempt' })
    f.t.clock += 5
    const started = steps().startStep(id, 'chunk', 1, { taskId: 'task-1', placement: { relay: 'r1' } })
    expect(started).toMatchObject({ ok: true, step: { state: 'running', attempt: 1, taskId: 'task-1' } })
    expect(stepOf(id, 'chunk')).toMatchObject({ startedAt: f.t.clock, placement: { relay: 'r1' } })
    expect(f.t.store.workflows.get(id)!.workflow.updatedAt).toBe(f.t.clock)
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
    f.t.clock += 3
    const done = steps().finishStep(id, 'chunk', 2, {
      state: 'succeeded',
      output: ['a', 'b'],
      placement: { runtime: 'local' },
    })
    expect(done).toMatchObject({
      ok: true,
      step: { state: 'succeeded', output: ['a', 'b'], finishedAt: f.t.clock },
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
    expect(f.t.store.workflows.get(id)!.workflow.counts).toMatchObject({ running: 1, skipped: 2 })
  })

  it('starts nothing in a workflow that has ended', () => {
    const id = insert()
    expect(f.t.store.workflows.finish(id, 'failed')).toMatchObject({
      ok: true,
      workflow: { state: 'failed' },
    })
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
    f.t.store.transaction(() => {
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

describe('cancel and finish a workflow', () => {
  it('cancels pending steps and items and reports the running attempts; finished work is kept', () => {
    const id = insert()
    steps().startStep(id, 'chunk', 1)
    steps().finishStep(id, 'chunk', 1, { state: 'succeeded', output: [1, 2, 3] })
    steps().startStep(id, 'embed', 1)
    steps().addItems(id, 'embed', 3)
    const task = leasedTask()
    steps().startItem(id, 'embed', 0, 1, { taskId: task.id })
    f.t.clock += 1
    const result = f.t.store.workflows.cancel(id)
    expect(result).toMatchObject({ ok: true, workflow: { state: 'cancelled', finishedAt: f.t.clock } })
    if (!result.ok) return
    expect(result.running).toEqual([{ stepId: 'embed', index: 0, attempt: 1, taskId: task.id }])
    expect(stepOf(id, 'chunk')).toMatchObject({ state: 'succeeded', output: [1, 2, 3] })
    expect(stepOf(id, 'index')).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' } })
    expect(steps().itemCounts(id, 'embed')).toMatchObject({ running: 1, cancelled: 2 })
    // The engine cancels the running task; the trigger cancels its item.
    f.t.store.cancel(task.id)
    expect(steps().itemCounts(id, 'embed')).toMatchObject({ running: 0, cancelled: 3 })
    expect(f.t.store.workflows.finish(id, 'succeeded')).toEqual({ ok: false, reason: 'already_finished' })
    expect(f.t.store.workflows.cancel(id)).toEqual({ ok: false, reason: 'already_finished' })
    expect(f.t.store.workflows.cancel('nope')).toEqual({ ok: false, reason: 'not_found' })
    expect(f.t.store.workflows.finish('nope', 'failed')).toEqual({ ok: false, reason: 'not_found' })
  })

  it('fails, not retries, a running step whose task fails after the workflow was cancelled', () => {
    const id = insert()
    const task = leasedTask()
    steps().startStep(id, 'chunk', 1, { taskId: task.id })
    f.t.store.workflows.cancel(id)
    f.t.store.fail(
      task.id,
      task.token,
      { code: 'TASK_FAILED', message: 'x' },
      { retryable: false, retryDelayMs: 0 },
    )
    expect(stepOf(id, 'chunk').state).toBe('failed')
  })

  it('sets the final state once: a cancel after it is refused', () => {
    const id = insert()
    expect(f.t.store.workflows.finish(id, 'succeeded')).toMatchObject({
      ok: true,
      workflow: { state: 'succeeded' },
    })
    expect(f.t.store.workflows.cancel(id)).toEqual({ ok: false, reason: 'already_finished' })
    expect(f.t.store.workflows.get(id)!.workflow.state).toBe('succeeded')
  })
})
