import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { type FakeWorker, fakeWorker } from './fake-worker.ts'
import { startTestRelay } from './helpers.ts'

let relay: RunningRelay
let fake: FakeWorker

beforeEach(async () => {
  relay = await startTestRelay()
  fake = await fakeWorker(relay.url)
})
afterEach(async () => {
  await fake.stop()
  await relay?.close()
})

/** The relay's assignment round after a change runs on setImmediate; this waits for it. */
const afterRound = () => new Promise((resolve) => setImmediate(resolve))

describe('a worker changing its capacity (the contribute page’s controls)', () => {
  it('is assigned nothing at capacity 0, still settles what it holds, and gets work again when it resumes', async () => {
    const a = await fake.open()
    await a.hello({ concurrency: 1, prefetch: 0 })
    const tasks = relay.components.tasks
    const [first] = await tasks.submit([{ kind: 'echo', input: 1 }])
    const held = (await a.next('assign')).tasks[0]!
    expect(held.taskId).toBe(first!.task.id)

    await a.channel.send({ type: 'capacity', concurrency: 0, prefetch: 0 })
    await expect
      .poll(() => tasks.workers({ connectedOnly: true })[0])
      .toMatchObject({ concurrency: 0, slots: 0 })
    await a.channel.send({
      type: 'results',
      results: [{ taskId: held.taskId, token: held.token, ok: true, output: 1, durationMs: 1 }],
    })
    await expect.poll(() => tasks.get(held.taskId)?.state).toBe('succeeded')
    const [second] = await tasks.submit([{ kind: 'echo', input: 2 }])
    await afterRound()
    expect(tasks.get(second!.task.id)?.state).toBe('queued')

    await a.channel.send({ type: 'capacity', concurrency: 2, prefetch: 0 })
    expect((await a.next('assign')).tasks.map((t) => t.input)).toEqual([2])
    expect(tasks.workers({ connectedOnly: true })[0]).toMatchObject({ concurrency: 2, slots: 2 })
  })
})

describe('what an assigned task serves', () => {
  it('names a workflow step, from the task’s metadata, and nothing for a bare task', async () => {
    const a = await fake.open()
    await a.hello({ concurrency: 2, prefetch: 0 })
    await relay.components.tasks.submit([
      { kind: 'echo', input: 'step', metadata: { workflowId: 'wf-1', stepId: 'embed', attempt: 1 } },
      { kind: 'echo', input: 'bare', metadata: { workflowId: 42 } },
    ])
    const assigned = []
    while (assigned.length < 2) assigned.push(...(await a.next('assign')).tasks)
    const byInput = Object.fromEntries(assigned.map((t) => [t.input, t.origin]))
    expect(byInput).toEqual({ step: { workflowId: 'wf-1', stepId: 'embed' }, bare: undefined })
  })
})
