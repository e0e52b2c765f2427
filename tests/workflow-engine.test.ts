import { describe, expect, it } from 'vitest'
import type { WorkflowProgress, WorkflowStatus } from '../relay/workflows/workflows.ts'
import type { CallerInfo } from '../shared/tool/types.ts'
import { workflowSpecSchema } from '../shared/workflow/spec-schema.ts'
import { type Answer, scriptedWorker } from './fake-worker.ts'
import { workerHarness } from './fixtures/worker-harness.ts'

const h = workerHarness()
const caller: CallerInfo = { identity: 'tester' }

function engine() {
  return h.relay.components.workflows
}

/** Runs a workflow to its end; `onChange` hears its status at each change (read by the test). */
async function run(spec: unknown, onChange?: (status: WorkflowStatus, progress: WorkflowProgress) => void) {
  const { status } = await engine().submit(workflowSpecSchema.parse(spec), caller)
  const id = status.workflow.id
  const watch = onChange && ((progress: WorkflowProgress) => onChange(engine().status(id), progress))
  return engine().wait(id, { timeoutMs: 15_000, ...(watch ? { onChange: watch } : {}) })
}

function step(status: { steps: Array<{ stepId: string }> }, id: string): any {
  return status.steps.find((s) => s.stepId === id)
}

/** Echoes each task's input, failing those whose input is "fail". */
const echo = (task: { input?: unknown }): Answer =>
  task.input === 'fail'
    ? { error: { code: 'TASK_FAILED', message: 'asked to fail' }, retryable: false }
    : { output: task.input }

/** A worker that echoes, but holds a task whose input is "slow" until it is cancelled. */
const stallingSlow = async () =>
  scriptedWorker(await h.peer(), (t) => (t.input === 'slow' ? { stall: true } : echo(t)))

describe('running workflows on a relay with workers', () => {
  it('runs a chain of task and tool steps, passing outputs by reference and JSON path', async () => {
    await h.start()
    await scriptedWorker(await h.peer(), echo)
    const { status, timedOut } = await run({
      steps: [
        { id: 'a', type: 'task', kind: 'echo', input: { x: { text: 'hello' } } },
        { id: 'b', type: 'task', kind: 'echo', input: { got: { $ref: 'a', path: '$.x.text' } } },
        { id: 'h', type: 'tool', tool: 'text_hash', params: { text: { $ref: 'b', path: '$.got' } } },
        { id: 'c', type: 'task', kind: 'echo', input: { digest: { $ref: 'h', path: '$.digest' } } },
      ],
    })
    expect(timedOut).toBe(false)
    expect(status.workflow.state).toBe('succeeded')
    expect(step(status, 'b').output).toEqual({ got: 'hello' })
    expect(step(status, 'h').output).toMatchObject({ algorithm: 'sha256', bytes: 5 })
    expect(step(status, 'c').output).toEqual({
      digest: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    })
    expect(step(status, 'h').placement).toMatchObject({ runtime: 'local' })
  })

  it('maps over a list with at most `parallelism` items running at once, output in order', async () => {
    await h.start()
    const worker = await scriptedWorker(await h.peer(), echo)
    let most = 0
    const watch = (status: { steps: Array<{ stepId: string; items?: { running: number } | undefined }> }) => {
      most = Math.max(most, step(status, 'each')?.items?.running ?? 0)
    }
    const { status } = await run(
      {
        steps: [
          { id: 'list', type: 'task', kind: 'echo', input: [1, 2, 3, 4, 5, 6, 7] },
          {
            id: 'each',
            type: 'map',
            over: { $ref: 'list' },
            parallelism: 2,
            do: { type: 'task', kind: 'echo', input: { $item: true } },
          },
        ],
      },
      watch,
    )
    expect(status.steps.map((s) => s.error)).toEqual([null, null])
    expect(status.workflow.state).toBe('succeeded')
    expect(step(status, 'each').output).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(step(status, 'each').items).toMatchObject({ total: 7, succeeded: 7 })
    expect(most).toBe(2)
    expect(worker.assigned).toHaveLength(8)
  })

  it('under continue, a step that always fails is retried, its dependents skipped, independent steps run', async () => {
    await h.start()
    const worker = await scriptedWorker(await h.peer(), echo)
    const { status } = await run({
      onFailure: 'continue',
      steps: [
        { id: 'bad', type: 'task', kind: 'echo', input: 'fail', maxAttempts: 2 },
        { id: 'dep', type: 'task', kind: 'echo', input: { $ref: 'bad' } },
        { id: 'free', type: 'task', kind: 'echo', input: 'ok' },
      ],
    })
    expect(status.workflow.state).toBe('failed')
    expect(step(status, 'bad')).toMatchObject({ state: 'failed', attempt: 2, error: { code: 'TASK_FAILED' } })
    expect(step(status, 'dep').state).toBe('skipped')
    expect(step(status, 'free')).toMatchObject({ state: 'succeeded', output: 'ok' })
    // Two attempts of `bad` (the queue retries nothing itself) and one of `free`.
    expect(worker.assigned).toHaveLength(3)
  })

  it('under fail-fast, the first failure cancels the running step on its worker and the pending ones', async () => {
    await h.start()
    const worker = await stallingSlow()
    const cancelled = worker.next('cancel')
    const { status } = await run({
      steps: [
        { id: 'slow', type: 'task', kind: 'echo', input: 'slow' },
        { id: 'bad', type: 'task', kind: 'echo', input: 'fail', maxAttempts: 1, priority: -1 },
        { id: 'dep', type: 'task', kind: 'echo', input: { $ref: 'bad' } },
      ],
    })
    expect(status.workflow.state).toBe('failed')
    expect(step(status, 'bad').state).toBe('failed')
    expect(step(status, 'slow').state).toBe('cancelled')
    expect(step(status, 'dep').state).toBe('cancelled')
    expect((await cancelled).taskId).toBe(step(status, 'slow').taskId)
  })

  it('cancels a running workflow: its task is cancelled on the worker, finished steps are kept', async () => {
    await h.start()
    const worker = await stallingSlow()
    const { status: submitted } = await engine().submit(
      workflowSpecSchema.parse({
        steps: [
          { id: 'first', type: 'task', kind: 'echo', input: 1 },
          { id: 'slow', type: 'task', kind: 'echo', input: 'slow', after: ['first'] },
          { id: 'never', type: 'task', kind: 'echo', input: 2, after: ['slow'] },
        ],
      }),
      caller,
    )
    const id = submitted.workflow.id
    const cancelMessage = worker.next('cancel')
    await engine().wait(id, {
      timeoutMs: 100,
      onChange: () => {},
    })
    // Wait until `slow` runs on the worker.
    while (step(engine().status(id), 'slow').state !== 'running') await engine().wait(id, { timeoutMs: 50 })
    const { status, cancelled } = await engine().cancel(id, 'test')
    expect(cancelled).toBe(true)
    expect(status.workflow.state).toBe('cancelled')
    expect(step(status, 'first')).toMatchObject({ state: 'succeeded', output: 1 })
    expect(step(status, 'slow').state).toBe('cancelled')
    expect(step(status, 'never').state).toBe('cancelled')
    expect((await cancelMessage).taskId).toBe(step(status, 'slow').taskId)
    expect((await engine().cancel(id, 'again')).cancelled).toBe(false)
  })

  it('ends a map when an item fails: its pending items are cancelled, and the error names the item', async () => {
    await h.start()
    const worker = await scriptedWorker(await h.peer(), echo)
    const { status } = await run({
      onFailure: 'continue',
      steps: [
        { id: 'list', type: 'task', kind: 'echo', input: ['a', 'fail', 'c', 'd', 'e'] },
        {
          id: 'each',
          type: 'map',
          over: { $ref: 'list' },
          parallelism: 1,
          do: { type: 'task', kind: 'echo', input: { $item: true }, maxAttempts: 1 },
        },
      ],
    })
    expect(status.workflow.state).toBe('failed')
    expect(step(status, 'each')).toMatchObject({
      state: 'failed',
      error: { message: 'item 1: asked to fail' },
    })
    const items = h.relay.components.tasks.workflowSide.store.attempts.items(status.workflow.id, 'each')
    expect(items.map((i) => i.state)).toEqual(['succeeded', 'failed', 'cancelled', 'cancelled', 'cancelled'])
    // The list, item 0 and item 1: the cancelled items never ran.
    expect(worker.assigned).toHaveLength(3)
  })

  it('follows a step whose task is cancelled from outside the workflow: under fail-fast the rest is cancelled', async () => {
    await h.start()
    const worker = await stallingSlow()
    const { status: submitted } = await engine().submit(
      workflowSpecSchema.parse({
        steps: [
          { id: 'slow', type: 'task', kind: 'echo', input: 'slow' },
          { id: 'after', type: 'task', kind: 'echo', input: 1, after: ['slow'] },
        ],
      }),
      caller,
    )
    const id = submitted.workflow.id
    // The step runs from the submit on: its task is queued or on the worker.
    expect(step(submitted, 'slow').state).toBe('running')
    const taskId = step(submitted, 'slow').taskId as string
    expect(h.relay.components.tasks.cancel(taskId, 'an operator cancelled it').ok).toBe(true)
    const { status, timedOut } = await engine().wait(id, { timeoutMs: 15_000 })
    expect(timedOut).toBe(false)
    expect(status.workflow.state).toBe('cancelled')
    expect(step(status, 'slow').state).toBe('cancelled')
    expect(step(status, 'after').state).toBe('cancelled')
    expect(worker.assigned).not.toContain(step(status, 'after').taskId)
  })

  it('starts a 300-wide fan-out of task steps together and runs each task once', async () => {
    await h.start()
    const worker = await scriptedWorker(await h.peer(), echo)
    const steps = Array.from({ length: 300 }, (_, i) => ({
      id: `s${i}`,
      type: 'task',
      kind: 'echo',
      input: i,
    }))
    const { status } = await run({ steps })
    expect(status.workflow.state).toBe('succeeded')
    expect(status.steps.map((s) => s.output)).toEqual(steps.map((s) => s.input))
    expect(status.steps.every((s) => s.attempt === 1)).toBe(true)
    expect(new Set(worker.assigned).size).toBe(300)
    expect(worker.assigned).toHaveLength(300)
  })

  it('returns the first workflow for the same idempotency key', async () => {
    await h.start()
    await scriptedWorker(await h.peer(), echo)
    const spec = workflowSpecSchema.parse({
      idempotencyKey: 'nightly-1',
      steps: [{ id: 'a', type: 'task', kind: 'echo', input: 1 }],
    })
    const first = await engine().submit(spec, caller)
    const again = await engine().submit(spec, caller)
    expect(first.created).toBe(true)
    expect(again.created).toBe(false)
    expect(again.status.workflow.id).toBe(first.status.workflow.id)
    expect(engine().list({ limit: 10 }).total).toBe(1)
  })

  it.each([
    [
      'a cycle',
      [
        { id: 'a', type: 'task', kind: 'echo', after: ['b'] },
        { id: 'b', type: 'task', kind: 'echo', after: ['a'] },
      ],
      'CYCLE',
    ],
    ['an unknown tool', [{ id: 't', type: 'tool', tool: 'no_such_tool', params: {} }], 'UNKNOWN_TOOL'],
    ['an unknown kind', [{ id: 'k', type: 'task', kind: 'no-such-kind' }], 'UNKNOWN_KIND'],
    [
      'params the tool refuses',
      [{ id: 'p', type: 'tool', tool: 'text_hash', params: { text: 5 } }],
      'INVALID_PARAMS',
    ],
  ])('refuses %s before storing anything', async (_name, steps, code) => {
    await h.start()
    const error = await engine()
      .submit(workflowSpecSchema.parse({ steps }), caller)
      .then(
        () => undefined,
        (e: unknown) => e as { code: string; details: { errors: Array<{ code: string }> } },
      )
    expect(error?.code).toBe('INVALID_PARAMS')
    expect(error?.details.errors.map((e) => e.code)).toContain(code)
    expect(engine().list({ limit: 10 }).total).toBe(0)
  })

  it('says NOT_FOUND for an unknown workflow', async () => {
    await h.start()
    expect(() => engine().status('nope')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }))
  })
})
