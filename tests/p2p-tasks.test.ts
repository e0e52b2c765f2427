import type { Client } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { spawnNodeCompute } from '../worker/compute/node-compute.ts'
import { type RunningWorker, startWorker } from '../worker/core/start-worker.ts'
import type { WorkerEvent } from '../worker/core/worker-events.ts'
import { type FakeWorker, fakeWorker } from './fake-worker.ts'
import { wasmModuleBase64 } from './fixtures/wasm-modules.ts'
import { connectClient, startTestRelay } from './helpers.ts'

let relay: RunningRelay
let client: Client
let worker: RunningWorker
const events: WorkerEvent[] = []

/** Resolves once the worker has emitted an event matching `predicate`. */
async function workerEvent(predicate: (e: WorkerEvent) => boolean): Promise<WorkerEvent> {
  return vi.waitFor(
    () => {
      const found = events.find(predicate)
      if (!found) throw new Error('no such worker event yet')
      return found
    },
    { timeout: 20_000, interval: 5 },
  )
}

beforeAll(async () => {
  relay = await startTestRelay()
  client = await connectClient(relay.url)
  worker = await startWorker({
    relay: relay.url,
    concurrency: 2,
    name: 'test worker',
    spawnCompute: () => spawnNodeCompute(),
    onEvent: (e) => events.push(e),
  })
  await workerEvent((e) => e.type === 'state' && e.state === 'connected')
})

afterAll(async () => {
  await worker?.stop({ drain: false })
  await client?.close()
  await relay?.close()
})

async function dispatch(tool: string, params: Record<string, unknown>): Promise<any> {
  const result = await client.callTool({ name: 'tools_dispatch', arguments: { tool, params } })
  if (result.isError) throw new Error(JSON.stringify(result.content))
  return (result.structuredContent as any).result
}

describe('P2P tasks on a Node worker', () => {
  it('runs a submitted task on the worker and returns its result', async () => {
    const out = await dispatch('p2p_taskqueue_submit', { kind: 'sha256', input: { text: 'abc' }, wait: true })
    expect(out.results[0]).toMatchObject({
      state: 'succeeded',
      attempt: 1,
      output: { sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', bytes: 3 },
    })
  })

  it('sends MCP progress notifications while it waits for a running task', async () => {
    const texts = Array.from({ length: 2000 }, (_, i) => `text number ${i} with a few more words`)
    const progress: Array<{ progress: number; total?: number | undefined }> = []
    const result = await client.callTool(
      {
        name: 'tools_dispatch',
        arguments: {
          tool: 'p2p_taskqueue_submit',
          params: { kind: 'embed', input: { texts, dimensions: 8 }, wait: true },
        },
      },
      { onprogress: (p) => progress.push(p) },
    )
    expect((result.structuredContent as any).result.results[0].state).toBe('succeeded')
    // The worker reports its first step at once (later ones at most every 50 ms).
    expect(progress[0]).toMatchObject({ progress: 64, total: 2000 })
  })

  it('runs a batch and reports each task by id', async () => {
    const tasks = Array.from({ length: 20 }, (_, i) => ({ kind: 'echo', input: { i } }))
    const out = await dispatch('p2p_taskqueue_submit', { tasks, wait: true })
    expect(out.tasks).toHaveLength(20)
    expect(out.results.map((r: any) => r.output.i)).toEqual(tasks.map((t) => t.input.i))
    const status = await dispatch('p2p_taskqueue_status', { taskId: out.tasks[3].id })
    expect(status).toMatchObject({ id: out.tasks[3].id, state: 'succeeded', kind: 'echo' })
    const result = await dispatch('p2p_taskqueue_get_result', { taskId: out.tasks[3].id })
    expect(result).toMatchObject({ ready: true, output: { i: 3 } })
  })

  it('returns the same task for a repeated idempotency key', async () => {
    const first = await dispatch('p2p_taskqueue_submit', { kind: 'echo', input: 1, idempotencyKey: 'once' })
    const again = await dispatch('p2p_taskqueue_submit', { kind: 'echo', input: 2, idempotencyKey: 'once' })
    expect(again.tasks[0]).toMatchObject({ id: first.tasks[0].id, created: false })
  })

  it('rejects a submit with neither kind nor tasks, naming the parameter', async () => {
    const result = await client.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'p2p_taskqueue_submit', params: {} },
    })
    expect(result.isError).toBe(true)
    expect((result._meta as any)['mcpp/error'].problems[0].param).toBe('kind')
  })

  it('cancels a running task on its worker, which then takes new work', async () => {
    const module = await wasmModuleBase64('loops')
    const { tasks } = await dispatch('p2p_taskqueue_submit', {
      kind: 'wasm',
      input: { module, export: 'spin' },
    })
    const id = tasks[0].id
    await workerEvent((e) => e.type === 'task-start' && e.taskId === id)
    const cancelled = await dispatch('p2p_taskqueue_cancel', { taskId: id, reason: 'test' })
    expect(cancelled).toMatchObject({
      wasRunning: true,
      task: { state: 'cancelled', error: { code: 'CANCELLED' } },
    })
    const done = await workerEvent((e) => e.type === 'task-done' && e.taskId === id)
    expect(done).toMatchObject({ ok: false, error: expect.stringContaining('CANCELLED') })
    const after = await dispatch('p2p_taskqueue_submit', { kind: 'echo', input: 'next', wait: true })
    expect(after.results[0].output).toBe('next')
    expect(relay.components.tasks.get(id)?.state).toBe('cancelled')
  })

  it('fails a task that exceeds its time limit on every attempt', async () => {
    const module = await wasmModuleBase64('loops')
    const out = await dispatch('p2p_taskqueue_submit', {
      kind: 'wasm',
      input: { module, export: 'spin' },
      timeoutMs: 200,
      maxAttempts: 1,
      wait: true,
    })
    expect(out.results[0]).toMatchObject({ state: 'failed', attempt: 1, error: { code: 'TIMEOUT' } })
  })

  it('fails a wasm module with imports at once, without retrying', async () => {
    const module = await wasmModuleBase64('importsFunction')
    const out = await dispatch('p2p_taskqueue_submit', {
      kind: 'wasm',
      input: { module, export: 'run' },
      wait: true,
    })
    expect(out.results[0]).toMatchObject({ state: 'failed', attempt: 1, error: { code: 'INVALID_INPUT' } })
  })

  it('runs text_embed (runtime auto) on the worker with the same vectors as locally', async () => {
    const p2p = await dispatch('text_embed', { texts: ['hello world'], dimensions: 16 })
    expect(p2p.embeddings[0]).toHaveLength(16)
    const stats = await dispatch('system_router_stats', { tool: 'text_embed' })
    expect(stats.decisions).toContainEqual({ tool: 'text_embed', runtime: 'p2p', outcome: 'ok', count: 1 })
    const tasks = await dispatch('p2p_taskqueue_list_tasks', { kind: 'embed' })
    expect(tasks.tasks[0].state).toBe('succeeded')
    // vector_embed is the same embedding under the vector category, placed the same way.
    const viaVector = await dispatch('vector_embed', { texts: ['hello world'], dimensions: 16 })
    expect(viaVector.embeddings).toEqual(p2p.embeddings)
    const vectorStats = await dispatch('system_router_stats', { tool: 'vector_embed' })
    expect(vectorStats.decisions).toContainEqual({
      tool: 'vector_embed',
      runtime: 'p2p',
      outcome: 'ok',
      count: 1,
    })
  })

  it('changes priority and fields of queued tasks and resubmits cancelled ones', async () => {
    // No worker has this capability: the task stays queued.
    const { tasks } = await dispatch('p2p_taskqueue_submit', {
      kind: 'echo',
      requires: ['no-such-gpu'],
      tags: ['a'],
    })
    const id = tasks[0].id
    expect(await dispatch('p2p_taskqueue_priority', { taskId: id, priority: 7 })).toMatchObject({
      priority: 7,
    })
    const updated = await dispatch('p2p_taskqueue_update_task', {
      taskId: id,
      tags: ['b'],
      metadata: { owner: 'me' },
    })
    expect(updated).toMatchObject({ tags: ['b'], metadata: { owner: 'me' } })
    await dispatch('p2p_taskqueue_cancel', { taskId: id })
    const again = await dispatch('p2p_taskqueue_resubmit', { taskId: id })
    expect(again).toMatchObject({ previousId: id, task: { state: 'queued', priority: 7, tags: ['b'] } })
    const list = await dispatch('p2p_taskqueue_list_tasks', { states: ['cancelled'], tag: 'b' })
    expect(list.tasks.map((t: any) => t.id)).toEqual([id])
  })

  it('moves payloads above 256 KiB through the blockstore by CID, verified on both sides', async () => {
    const text = 'x'.repeat(300 * 1024)
    const out = await dispatch('p2p_taskqueue_submit', { kind: 'echo', input: { text }, wait: true })
    const task = relay.components.tasks.get(out.tasks[0].id)!
    expect(task.inputCid).toMatch(/^bafkrei/)
    expect(task.outputCid).toBe(task.inputCid) // echo: the same bytes, so the same CID
    expect(out.results[0]).toMatchObject({ state: 'succeeded', outputCid: task.inputCid })
    expect(out.results[0].output.text).toHaveLength(text.length)
    const hashed = await dispatch('p2p_taskqueue_submit', { kind: 'sha256', input: { text }, wait: true })
    expect(hashed.results[0].output.bytes).toBe(text.length)
  })

  it('fails a task whose input block is missing, naming the CID', async () => {
    const cid = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
    const { task } = (
      await relay.components.tasks.submit([{ kind: 'echo', inputCid: cid, maxAttempts: 1 }])
    )[0]!
    const waited = await dispatch('p2p_taskqueue_wait', { taskId: task.id })
    expect(waited.task).toMatchObject({ state: 'failed', error: { code: 'INPUT_UNAVAILABLE' } })
    expect(waited.task.error.message).toContain(cid)
  })

  it('reports per-worker statistics and peers', async () => {
    const stats = await dispatch('p2p_taskqueue_worker_stats', { connectedOnly: true })
    expect(stats.workers).toHaveLength(1)
    expect(stats.workers[0]).toMatchObject({
      name: 'test worker',
      concurrency: 130,
      slots: 2,
      connected: true,
    })
    expect(stats.workers[0].meanTaskMs).toBeGreaterThan(0)
    expect(stats.workers[0].done).toBeGreaterThan(20)
    expect(stats.workers[0].kinds.sort()).toEqual(['echo', 'embed', 'sha256', 'wasm'])
    const peers = await dispatch('p2p_taskqueue_discover_peers', {})
    expect(peers.self.peerId).toBe(relay.components.p2p.node?.peerId)
    expect(peers.workers[0].workerId).toBe(stats.workers[0].workerId)
    const beat = await dispatch('p2p_taskqueue_heartbeat', { workerId: stats.workers[0].workerId })
    expect(beat.workerId).toBe(stats.workers[0].workerId)
    const announced = await dispatch('p2p_taskqueue_announce', {})
    expect(announced).toMatchObject({ notified: 0, capacity: { workers: 1, slots: 2 } })
  })
})

describe('workers that leave', () => {
  let fake: FakeWorker | undefined
  afterAll(async () => fake?.stop())

  it('re-queues a task whose worker disconnects mid-task; another worker completes it', async () => {
    // Stop the real worker so that the fake one gets the task.
    await worker.stop({ drain: true })
    fake = await fakeWorker(relay.url)
    const stream = await fake.open()
    await stream.hello({ kinds: ['echo'] })
    const { tasks } = await dispatch('p2p_taskqueue_submit', { kind: 'echo', input: 'survives' })
    const assigned = await stream.next('assign')
    expect(assigned.tasks[0]?.taskId).toBe(tasks[0].id)
    await fake.stop()
    await expect.poll(() => relay.components.tasks.get(tasks[0].id)?.state).toBe('queued')
    worker = await startWorker({
      relay: relay.url,
      concurrency: 1,
      name: 'second worker',
      spawnCompute: () => spawnNodeCompute(),
    })
    const waited = await dispatch('p2p_taskqueue_wait', { taskId: tasks[0].id, timeoutMs: 20_000 })
    expect(waited).toMatchObject({
      timedOut: false,
      task: { state: 'succeeded', output: 'survives', attempt: 2 },
    })
  })

  it('drains a worker on shutdown: no new work, then it leaves', async () => {
    const { workers } = await dispatch('p2p_taskqueue_shutdown', { deadlineMs: 5000 })
    expect(workers).toHaveLength(1)
    await expect
      .poll(() => relay.components.tasks.workers({ connectedOnly: true }).length, { timeout: 10_000 })
      .toBe(0)
    expect(worker.worker.stats().state).toBe('stopped')
  })
})
