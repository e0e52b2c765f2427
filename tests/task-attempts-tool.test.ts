import { describe, expect, it } from 'vitest'
import { failOnceThenEcho, scriptedWorker } from './fake-worker.ts'
import { workerHarness } from './fixtures/worker-harness.ts'

const h = workerHarness()

const ok = (tool: string, params: Record<string, unknown>) => h.ok(tool, params)

describe('p2p_taskqueue_status', () => {
  it('lists the attempts of a task that failed once and succeeded on retry, with the first error, and its input', async () => {
    await h.start()
    await scriptedWorker(await h.peer(), failOnceThenEcho())
    const input = { text: 'retry me', n: [1, 2, 3] }
    const out = await ok('p2p_taskqueue_submit', { kind: 'echo', input, wait: true, waitTimeoutMs: 20_000 })
    expect(out.results[0]).toMatchObject({ state: 'succeeded', attempt: 2 })

    const status = await ok('p2p_taskqueue_status', { taskId: out.tasks[0].id })
    expect(status).toMatchObject({ state: 'succeeded', input, inputCid: null })
    expect(status).not.toHaveProperty('inputTooLarge')
    const [first, second] = status.attempts
    expect(status.attempts).toHaveLength(2)
    expect(first).toMatchObject({
      attempt: 1,
      relay: null,
      outcome: 'requeued',
      error: { code: 'TASK_FAILED', message: 'flaky the first time' },
    })
    expect(second).toMatchObject({ attempt: 2, relay: null, outcome: 'succeeded', error: null })
    const workers = await ok('p2p_taskqueue_worker_stats', {})
    expect(first.workerId).toBe(workers.workers[0].workerId)
    expect(second.workerId).toBe(first.workerId)
    expect(first.endedAt).toBeGreaterThanOrEqual(first.startedAt)
    expect(second.startedAt).toBeGreaterThanOrEqual(first.endedAt)
    expect(second.endedAt).toBe(status.finishedAt)
  })

  it('leaves out an inline input over 64 KiB, saying its size, and gives a large one as its CID', async () => {
    await h.start()
    const medium = { text: 'm'.repeat(100 * 1024) }
    const large = { text: 'l'.repeat(300 * 1024) }
    const out = await ok('p2p_taskqueue_submit', {
      tasks: [
        { kind: 'echo', input: medium },
        { kind: 'echo', input: large },
      ],
    })
    const [m, l] = await Promise.all(
      out.tasks.map((t: { id: string }) => ok('p2p_taskqueue_status', { taskId: t.id })),
    )
    expect(m).toMatchObject({
      state: 'queued',
      inputCid: null,
      inputTooLarge: { bytes: JSON.stringify(medium).length, limit: 64 * 1024 },
      attempts: [],
    })
    expect(m).not.toHaveProperty('input')
    expect(l.inputCid).toMatch(/^b/)
    expect(l).not.toHaveProperty('input')
    expect(l).not.toHaveProperty('inputTooLarge')
  })
})
