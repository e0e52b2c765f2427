import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import type { AssignedTask } from '../shared/wire/task-messages.ts'
import { type FakeStream, type FakeWorker, fakeWorker } from './fake-worker.ts'
import { startTestRelay } from './helpers.ts'

let relay: RunningRelay
let fakes: FakeWorker[]

beforeEach(async () => {
  relay = await startTestRelay()
  fakes = [await fakeWorker(relay.url), await fakeWorker(relay.url)]
})
afterEach(async () => {
  for (const f of fakes) await f.stop()
  await relay?.close()
})

/** Reports every task of an assignment as succeeded (output = input) after `durationMs`. */
function reportDone(stream: FakeStream, tasks: AssignedTask[], durationMs: number) {
  return stream.channel.send({
    type: 'results',
    results: tasks.map((t) => ({ taskId: t.taskId, token: t.token, ok: true, output: t.input, durationMs })),
  })
}

describe('flow control and buffers (prefetch)', () => {
  it("fills every worker's compute slots before anyone's buffer", async () => {
    // A: one slot and a deep buffer; B: one slot, no buffer. Three tasks.
    const a = await fakes[0]!.open()
    await a.hello({ concurrency: 33, prefetch: 32 })
    const b = await fakes[1]!.open()
    await b.hello({ concurrency: 1, prefetch: 0 })
    await relay.components.tasks.submit([1, 2, 3].map((n) => ({ kind: 'echo', input: n })))
    const toB = await b.next('assign')
    expect(toB.tasks).toHaveLength(1)
    // A gets its slot and, with no task duration known yet, one buffered task.
    const toA = [await a.next('assign')]
    while (toA.flatMap((m) => m.tasks).length < 2) toA.push(await a.next('assign'))
    expect(toA.flatMap((m) => m.tasks.map((t) => t.input)).sort()).toEqual(
      [1, 2, 3].filter((n) => n !== toB.tasks[0]!.input),
    )
  })

  it('grows a buffer for short tasks up to what the worker announced, and no further', async () => {
    const a = await fakes[0]!.open()
    await a.hello({ concurrency: 9, prefetch: 8 })
    await relay.components.tasks.submit(Array.from({ length: 40 }, (_, n) => ({ kind: 'echo', input: n })))
    const first = await a.next('assign')
    // Unknown durations: 1 slot + 1 buffered.
    expect(first.tasks).toHaveLength(2)
    await reportDone(a, first.tasks, 0.1)
    // 0.1 ms tasks: the buffer covers its whole announced size, so 9 are held.
    const refill = await a.next('assign')
    expect(refill.tasks).toHaveLength(9)
    expect(relay.components.tasks.workers({ connectedOnly: true })[0]?.inFlight).toBe(9)
  })

  it('keeps a buffer of one for long tasks', async () => {
    const a = await fakes[0]!.open()
    await a.hello({ concurrency: 34, prefetch: 32 })
    await relay.components.tasks.submit(Array.from({ length: 40 }, (_, n) => ({ kind: 'echo', input: n })))
    const first = await a.next('assign')
    expect(first.tasks).toHaveLength(4)
    await reportDone(a, first.tasks, 5_000)
    // 5 s tasks on 2 slots: the buffer shrinks to one task, so 3 are held.
    const refill = await a.next('assign')
    expect(refill.tasks).toHaveLength(3)
  })
})
