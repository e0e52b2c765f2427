import { afterEach, describe, expect, it, vi } from 'vitest'
import type { KindOutcome } from '../../shared/task/kinds/run-kind.ts'
import { type ComputeHost, ComputePool } from './compute-pool.ts'
import type { ComputeReply, RunRequest } from './messages.ts'

/**
 * The pool's duty cycle against a scripted compute context (the real contexts are
 * covered by tests/compute-pool*.test.ts and tests/node-worker-costs.test.ts). Timers
 * and the clock are fake; in the first test the pool's clock also moves by `step` ms
 * at every reading, as a real one moves between two readings.
 */
function scripted() {
  const posted: RunRequest[] = []
  let listener: (reply: ComputeReply) => void = () => {}
  const host: ComputeHost = {
    postMessage: (message) => posted.push(message),
    onMessage: (l) => {
      listener = l
    },
    onError: () => {},
    terminate: () => {},
  }
  return {
    spawn: () => host,
    posted,
    done: (id: number, ms: number) =>
      listener({ type: 'done', id, ms, outcome: { ok: true, output: id } as KindOutcome }),
  }
}

/** Lets timers up to a second run (the tasks' own 60 s limits stay far off). */
const settle = () => vi.advanceTimersByTimeAsync(1_000)
const FAKE: Parameters<typeof vi.useFakeTimers>[0] = { toFake: ['setTimeout', 'clearTimeout', 'performance'] }

afterEach(() => {
  vi.useRealTimers()
})

describe('ComputePool under a CPU cap', () => {
  it('runs the task waiting for a rest to end, however the clock moves between readings', async () => {
    vi.useFakeTimers(FAKE)
    // Steps of the clock and rest lengths that put the end of a rest between any two
    // readings the pool takes in one round.
    for (const step of [0.05, 0.3, 0.7, 1, 1.5, 2.5, 4]) {
      for (const computedMs of [3, 10, 17]) {
        let reads = 0
        const context = scripted()
        const pool = new ComputePool(context.spawn, 1, { now: () => performance.now() + ++reads * step })
        pool.setCpuCap(50)
        const first = pool.run('busy', 1, { timeoutMs: 60_000 })
        const second = pool.run('busy', 2, { timeoutMs: 60_000 })
        await settle()
        expect(context.posted.map((m) => m.tasks.map((task) => task.id))).toEqual([[1]])
        context.done(1, computedMs)
        await settle()
        // The rest (as long as the task computed at 50 %) has ended: the second task was sent.
        expect(
          context.posted.map((m) => m.tasks.map((task) => task.id)),
          `step ${step}`,
        ).toEqual([[1], [2]])
        context.done(2, computedMs)
        expect(await first).toMatchObject({ ok: true, output: 1 })
        expect(await second).toMatchObject({ ok: true, output: 2 })
        pool.close()
      }
    }
  })

  it('does not send work to a context before its rest ends', async () => {
    vi.useFakeTimers(FAKE)
    const context = scripted()
    const pool = new ComputePool(context.spawn, 1)
    pool.setCpuCap(20)
    void pool.run('busy', 1, { timeoutMs: 60_000 })
    void pool.run('busy', 2, { timeoutMs: 60_000 })
    await vi.advanceTimersByTimeAsync(0)
    context.done(1, 10)
    // At 20 % a context rests 4× what it computed: 40 ms.
    await vi.advanceTimersByTimeAsync(39)
    expect(context.posted).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(context.posted).toHaveLength(2)
    pool.close()
  })
})
