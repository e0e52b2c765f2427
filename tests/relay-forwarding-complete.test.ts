import type { CallToolResult, Client, Progress } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { HASHING_EMBEDDING_MODEL } from '../shared/text/hashing-embedding.ts'
import { cidOf } from '../shared/wire/block-protocol.ts'
import type { AssignedTask } from '../shared/wire/task-messages.ts'
import { INLINE_PAYLOAD_LIMIT } from '../shared/wire/task-messages.ts'
import { BlockClient } from '../worker/core/block-client.ts'
import { type FakeStream, type FakeWorker, fakeWorker, scriptedWorker } from './fake-worker.ts'
import { connectClient, errorMeta, startTestRelay } from './helpers.ts'
import { identity } from './relay-identity.ts'
import { pairConfig } from './relay-pair.ts'

const TOKEN = 'operator-token-for-tests'
const JOIN = 'a-join-token-of-sixteen+'

let a: RunningRelay
let b: RunningRelay
let workerOnA: FakeWorker
let client: Client
/** Tasks A's worker holds back until the test lets them finish (by task kind). */
const held = new Map<string, (task: AssignedTask, s: FakeStream) => Promise<void>>()

const structured = (r: unknown) => (r as CallToolResult).structuredContent as Record<string, any>
const dispatch = (tool: string, params: Record<string, unknown>, onprogress?: (p: Progress) => void) =>
  client.callTool({ name: 'tools_dispatch', arguments: { tool, params } }, onprogress ? { onprogress } : {})

async function metric(relay: RunningRelay, line: string): Promise<number> {
  const headers = { authorization: `Bearer ${TOKEN}` }
  const text = await (await fetch(`${relay.url}/metrics`, { headers })).text()
  const found = text.split('\n').find((l) => l.startsWith(`${line} `))
  return Number(found?.split(' ')[1] ?? Number.NaN)
}

/** A big JSON value: `n` bytes of text once serialised (and more than the inline limit for large n). */
const bigText = (n: number, seed: string) => seed.repeat(Math.ceil(n / seed.length)).slice(0, n)

/**
 * A member worker on A (join token, capability `gpu`) driven by the test: each kind it
 * runs has a handler that sends what a real worker would (progress, blocks, results).
 */
async function startWorkerOnA(): Promise<void> {
  workerOnA = await fakeWorker(a.url)
  const s = await workerOnA.open()
  await s.hello({
    kinds: ['slowjob', 'bigjob', 'frobnicate', 'render'],
    capabilities: ['gpu'],
    joinToken: JOIN,
    concurrency: 8,
  })
  const blocks = new BlockClient(workerOnA.node, workerOnA.address)
  const answer = async (task: AssignedTask) => {
    const base = { taskId: task.taskId, token: task.token, durationMs: 1 }
    const handler = held.get(task.kind)
    if (handler !== undefined) return handler(task, s)
    if (task.kind === 'bigjob') {
      // Fetched from A (which fetched it from B), checked against its CID by the client.
      const input = JSON.parse(new TextDecoder().decode(await blocks.get(task.inputCid as string)))
      const output = { reversed: [...input.text].reverse().join(''), length: input.text.length }
      const outputCid = await blocks.put(new TextEncoder().encode(JSON.stringify(output)), task)
      return s.channel.send({ type: 'results', results: [{ ...base, ok: true, outputCid }] })
    }
    const output = { ranOn: 'A', input: task.input ?? null }
    return s.channel.send({ type: 'results', results: [{ ...base, ok: true, output }] })
  }
  void (async () => {
    for (;;) {
      const message = await Promise.race([s.next('assign'), s.closed.then(() => null)])
      if (message === null) return
      for (const task of message.tasks) void answer(task).catch(() => {})
    }
  })()
}

beforeAll(async () => {
  const aId = await identity()
  const bId = await identity()
  a = await startTestRelay({ ...pairConfig(aId, bId), workers: { joinTokens: [JOIN] } })
  b = await startTestRelay({ ...pairConfig(bId, aId), token: TOKEN })
  await startWorkerOnA()
  // B has heard A's workers, with their capabilities.
  await vi.waitFor(
    () => {
      const [relay] = b.components.p2p.directory?.relays() ?? []
      const render = relay?.capacity.byKind?.find((k) => k.kind === 'render')
      expect(render?.groups).toEqual([{ capabilities: ['gpu', 'mcpp:member'], workers: 1, freeSlots: 8 }])
    },
    { timeout: 20_000, interval: 50 },
  )
  client = await connectClient(b.url, { authorization: `Bearer ${TOKEN}` })
})
afterAll(async () => {
  await client?.close()
  await workerOnA?.stop()
  await b?.close()
  await a?.close()
})

describe('progress of a forwarded task', () => {
  it('reaches the MCP caller on B from the worker on A, coalesced', async () => {
    const progress: Progress[] = []
    let finish: () => void = () => {}
    const released = new Promise<void>((resolve) => {
      finish = resolve
    })
    held.set('slowjob', async (task, s) => {
      const base = { type: 'progress' as const, taskId: task.taskId, token: task.token }
      await s.channel.send({ ...base, progress: 1, total: 50, message: 'step 1' })
      await released
      // A burst: A passes on the first at once and then at most one every 250 ms, the latest.
      for (let step = 2; step <= 50; step++) await s.channel.send({ ...base, progress: step, total: 50 })
      await vi.waitFor(() => expect(progress.at(-1)?.progress).toBe(50), { timeout: 10_000 })
      await s.channel.send({
        type: 'results',
        results: [{ taskId: task.taskId, token: task.token, ok: true, output: 'done', durationMs: 1 }],
      })
    })
    const call = dispatch('p2p_taskqueue_submit', { kind: 'slowjob', input: {}, wait: true }, (p) =>
      progress.push(p),
    )
    await vi.waitFor(() => expect(progress[0]).toMatchObject({ progress: 1, total: 50, message: 'step 1' }), {
      timeout: 20_000,
    })
    finish()
    const out = structured(await call)
    expect(out.result.results[0]).toMatchObject({ state: 'succeeded', output: 'done' })
    // 49 reports in one burst arrive as a few (the machine may be slow: "a few", not exactly two).
    expect(progress.length).toBeLessThan(10)
    expect(progress.map((p) => p.progress)).toEqual(
      [...progress.map((p) => p.progress)].sort((x, y) => x - y),
    )
  })
})

describe('payloads stored as blocks', () => {
  it('runs a task with an input above the inline limit on A and brings back an output above it', async () => {
    const text = bigText(INLINE_PAYLOAD_LIMIT + 50_000, 'forwarded blocks ')
    const [submitted] = await b.components.tasks.submit([{ kind: 'bigjob', input: { text } }])
    const id = submitted!.task.id
    expect(submitted!.task.inputCid).toMatch(/^bafkrei/)
    const { task, timedOut } = await b.components.tasks.wait(id, { timeoutMs: 30_000 })
    expect(timedOut).toBe(false)
    expect(task.state, JSON.stringify(task.error)).toBe('succeeded')
    const expected = { reversed: [...text].reverse().join(''), length: text.length }
    // B holds the output as a block under the CID of its bytes, which B computed itself.
    expect(task.outputCid).toBe((await cidOf(new TextEncoder().encode(JSON.stringify(expected)))).toString())
    expect(await b.components.tasks.output(task)).toEqual(expected)
    const onA = a.components.tasks.list({ limit: 50 }).tasks.find((t) => t.metadata.remoteId === id)
    expect(onA).toMatchObject({ state: 'succeeded', inputCid: submitted!.task.inputCid })
  })
})

describe('tasks that require capabilities', () => {
  it('are visible to B’s operator: A’s workers by capability in p2p_taskqueue_discover_peers', async () => {
    const out = structured(await dispatch('p2p_taskqueue_discover_peers', {}))
    const render = out.result.relays[0].capacity.byKind.find((k: any) => k.kind === 'render')
    expect(render.groups).toEqual([
      { capabilities: ['gpu', 'mcpp:member'], workers: 1, freeSlots: expect.any(Number) },
    ])
  })

  it('go to a member whose workers have them, also when B runs the kind without them', async () => {
    const workerOnB = await fakeWorker(b.url)
    try {
      const plain = await scriptedWorker(
        workerOnB,
        (task) => ({ output: { ranOn: 'B', input: task.input } }),
        {
          kinds: ['render'],
        },
      )
      await vi.waitFor(() => expect(b.components.tasks.taskKinds().has('render')).toBe(true))
      const refusedBefore = await metric(a, 'mcpp_forward_refused_total{reason="no_capacity"}')
      const [nobody, gpu, none] = await b.components.tasks.submit([
        { kind: 'render', input: 'avx', requires: ['avx'] },
        { kind: 'render', input: 'gpu', requires: ['gpu'] },
        { kind: 'render', input: 'plain' },
      ])
      const done = await b.components.tasks.waitMany([gpu!.task, none!.task], { timeoutMs: 20_000 })
      expect(done.tasks.map((t) => [t.state, t.output])).toEqual([
        ['succeeded', { ranOn: 'A', input: 'gpu' }],
        ['succeeded', { ranOn: 'B', input: 'plain' }],
      ])
      expect(plain.assigned).toHaveLength(1)
      // No worker anywhere has `avx`: it waits on B, and A was never offered it.
      expect(b.components.tasks.get(nobody!.task.id)).toMatchObject({ state: 'queued', attempt: 0 })
      expect(await metric(a, 'mcpp_forward_refused_total{reason="no_capacity"}')).toBe(refusedBefore)
      b.components.tasks.cancel(nobody!.task.id)
    } finally {
      await workerOnB.stop()
    }
  })

  it('sends an authenticated caller’s tool call through the relay runtime to member workers only', async () => {
    const embed = () => ({
      output: { model: HASHING_EMBEDDING_MODEL, dimensions: 8, embeddings: [Array(8).fill(0.5)] },
    })
    const embedOnB = () =>
      b.components.p2p.directory?.relays()[0]?.capacity.byKind?.find((k) => k.kind === 'embed')
    const call = async () =>
      structured(
        await client.callTool({
          name: 'tools_dispatch',
          arguments: { tool: 'text_embed', params: { texts: ['private words'], dimensions: 8 } },
        }),
      )
    const volunteerPeer = await fakeWorker(a.url)
    const memberPeer = await fakeWorker(a.url)
    try {
      // Only a volunteer runs `embed` on A: the caller's data stays here, and A is not even asked.
      const volunteer = await scriptedWorker(volunteerPeer, embed, { kinds: ['embed'] })
      await vi.waitFor(() => expect(embedOnB()).toMatchObject({ workers: 1 }), { timeout: 10_000 })
      expect(embedOnB()?.groups).toBeUndefined()
      const refusedBefore = await metric(a, 'mcpp_forward_refused_total{reason="no_capacity"}')
      expect(await call()).toMatchObject({ runtime: 'local', verification: { trust: 'relay' } })
      expect(volunteer.assigned).toEqual([])
      expect(await metric(a, 'mcpp_forward_refused_total{reason="no_capacity"}')).toBe(refusedBefore)

      // A member worker joins A: the call runs there.
      await scriptedWorker(memberPeer, embed, { kinds: ['embed'], joinToken: JOIN })
      await vi.waitFor(
        () =>
          expect(embedOnB()?.groups).toEqual([{ capabilities: ['mcpp:member'], workers: 1, freeSlots: 4 }]),
        { timeout: 10_000 },
      )
      expect(await call()).toMatchObject({
        runtime: 'relay',
        verification: { workers: [memberPeer.node.peerId.toString()] },
      })
      expect(volunteer.assigned).toEqual([])
      const onA = a.components.tasks.list({ limit: 50 }).tasks.find((t) => t.kind === 'embed')
      expect(onA?.requires).toEqual(['mcpp:member'])
    } finally {
      await volunteerPeer.stop()
      await memberPeer.stop()
    }
  })
})

describe('tasks.unknownKinds = reject with member relays', () => {
  it('accepts a kind only a member’s workers run, and forwards it', async () => {
    const out = await dispatch('p2p_taskqueue_submit', { kind: 'frobnicate', input: 1, wait: true })
    expect(out.isError, JSON.stringify(out)).toBeFalsy()
    expect(structured(out).result.results[0]).toMatchObject({
      state: 'succeeded',
      output: { ranOn: 'A', input: 1 },
    })
  })

  it('still refuses a kind that no worker here or on a member announces', async () => {
    const out = await dispatch('p2p_taskqueue_submit', { kind: 'frobnicat', input: 1 })
    expect(out.isError).toBe(true)
    expect(errorMeta(out as CallToolResult).code).toBe('INVALID_PARAMS')
  })
})

describe('forwarding metrics', () => {
  it('count tasks handed out on B and taken in on A', async () => {
    const out = await metric(b, 'mcpp_forwarded_tasks_total{direction="out"}')
    const taken = await metric(a, 'mcpp_forwarded_tasks_total{direction="in"}')
    expect(out).toBeGreaterThanOrEqual(5)
    expect(taken).toBe(out)
    expect(await metric(a, 'mcpp_forwarded_tasks_total{direction="out"}')).toBe(0)
  })
})
