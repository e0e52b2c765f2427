import { afterAll, describe, expect, it, vi } from 'vitest'
import { McppError } from '../../shared/errors.ts'
import { ComputePool } from './compute-pool.ts'
import { siblingModule } from './worker-reply.ts'

const pool = new ComputePool({
  module: siblingModule(import.meta.url, 'fixtures/test-ops'),
  threads: 1,
  // Generous: a thread that starts while the machine is busy must not look like a timeout.
  timeoutMs: 30_000,
  memoryMb: 64,
  label: 'the test thread',
})

afterAll(() => pool.stop())

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work
    return 'none'
  } catch (err) {
    return err instanceof McppError ? err.code : `not an McppError: ${String(err)}`
  }
}

describe('ComputePool', () => {
  it('runs an export on a thread, by structured clone or as JSON', async () => {
    expect(await pool.run('echo', { a: [1, 'b'] })).toEqual({ a: [1, 'b'] })
    expect(await pool.run('echo', { a: [1, 'b'] }, { json: true })).toEqual({ a: [1, 'b'] })
  })

  it("reports its running threads' V8 heaps, and its name for metric labels", async () => {
    await pool.run('echo', {})
    const heap = await pool.heap()
    expect(heap.threads).toBe(1)
    expect(heap.used).toBeGreaterThan(0)
    expect(heap.total).toBeGreaterThanOrEqual(heap.used)
    expect(pool.name).toBe('test')
  })

  it("turns the thread's event loop between tasks, so what a task leaves to it is done", async () => {
    // A closed MessagePort, a timer, a finished handle: without a turn of the loop they
    // stay on the thread (Piscina's Atomics wait between tasks kept them for good).
    const counter = new SharedArrayBuffer(4)
    expect(await pool.run('defer', { counter })).toBe('scheduled')
    await vi.waitFor(() => expect(Atomics.load(new Int32Array(counter), 0)).toBe(1), {
      timeout: 10_000,
      interval: 20,
    })
    // An idle thread answers a heap request too.
    expect((await pool.heap()).threads).toBe(1)
  })

  it('keeps the code and details of an McppError thrown on the thread', async () => {
    const err = await pool.run('fail', {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(McppError)
    expect(err).toMatchObject({ code: 'NOT_FOUND', details: { what: 'x' } })
  })

  it('stops synchronous work past the time limit with TIMEOUT, then runs the next task', async () => {
    expect(await codeOf(pool.run('spin', { ms: 60_000 }, { timeoutMs: 500 }))).toBe('TIMEOUT')
    expect(await pool.run('spin', { ms: 1 }, { timeoutMs: 10_000 })).toBe('done')
  })

  it('stops work the caller cancels, with the caller reason', async () => {
    const controller = new AbortController()
    const running = pool.run('spin', { ms: 60_000 }, { signal: controller.signal, timeoutMs: 60_000 })
    controller.abort(new McppError('CANCELLED', 'the client cancelled'))
    expect(await codeOf(running)).toBe('CANCELLED')
    expect(await pool.run('echo', 1)).toBe(1)
  })

  it('reports a thread that runs out of memory as QUOTA_EXCEEDED and keeps serving', async () => {
    expect(await codeOf(pool.run('hog', {}, { timeoutMs: 60_000 }))).toBe('QUOTA_EXCEEDED')
    expect(await pool.run('echo', 2)).toBe(2)
  }, 60_000)
})
