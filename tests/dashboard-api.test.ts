import { networkInterfaces } from 'node:os'
import type { Client } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import type { RunningWorker } from '../worker/core/start-worker.ts'
import { connectedWorker } from './fixtures/node-worker.ts'
import { connectClient, startTestRelay } from './helpers.ts'

let relay: RunningRelay
let client: Client
let worker: RunningWorker

beforeAll(async () => {
  relay = await startTestRelay()
  client = await connectClient(relay.url)
  worker = await connectedWorker(relay.url, { concurrency: 2, name: 'dashboard api worker' })
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

/** Reads snapshots from /api/events until one satisfies `wanted`, then closes the stream. */
async function snapshotWhere(
  base: string,
  wanted: (s: any) => boolean,
  headers: Record<string, string> = {},
) {
  const abort = new AbortController()
  const res = await fetch(`${base}/api/events`, { headers, signal: abort.signal })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('text/event-stream')
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) throw new Error('the event stream ended')
      buffer += decoder.decode(value, { stream: true })
      let end = buffer.indexOf('\n\n')
      while (end >= 0) {
        const event = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        end = buffer.indexOf('\n\n')
        expect(event.startsWith('event: snapshot\ndata: ')).toBe(true)
        const snapshot = JSON.parse(event.slice('event: snapshot\ndata: '.length))
        if (wanted(snapshot)) return snapshot
      }
    }
  } finally {
    abort.abort()
  }
}

const call = (base: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

describe('the dashboard event stream', () => {
  it('sends snapshots whose queue, workers and counters match the task queue', async () => {
    const tasks = Array.from({ length: 6 }, (_, i) => ({ kind: 'sha256', input: { text: `dash ${i}` } }))
    const out = await dispatch('p2p_taskqueue_submit', { tasks, wait: true })
    expect(out.results.every((r: any) => r.state === 'succeeded')).toBe(true)
    // A task no worker can take stays queued.
    await dispatch('p2p_taskqueue_submit', {
      tasks: [{ kind: 'sha256', input: { text: 'q' }, requires: ['no-such-cap'] }],
    })
    const listed = await dispatch('p2p_taskqueue_list_tasks', { limit: 1 })
    const snapshot = await snapshotWhere(relay.url, (s) => s.queue.succeeded === 6 && s.queue.queued === 1)
    expect(snapshot.queue).toEqual(listed.counts)
    expect(snapshot.counters.tasksSucceeded).toBe(6)
    expect(snapshot.counters.calls).toBeGreaterThan(0)
    expect(snapshot.counters.callLatency.count).toBeGreaterThan(0)
    const peerId = relay.components.p2p.node?.peerId
    expect(snapshot.relay.peerId).toBe(peerId)
    expect(snapshot.relays.listed[0]).toMatchObject({
      peerId,
      self: true,
      health: 'ok',
      workers: 1,
      queued: 1,
    })
    expect(snapshot.workers.connected).toBe(1)
    const [w] = snapshot.workers.listed
    expect(w).toMatchObject({
      name: 'dashboard api worker',
      done: 6,
      failed: 0,
      connection: 'websocket',
      relay: peerId,
    })
    expect(w.slots + w.buffer).toBe(w.concurrency)
    expect(snapshot.workflows).toEqual({ running: 0, succeeded: 0, failed: 0, cancelled: 0 })
    expect(snapshot.tokenRequired).toBe(false)
  })

  it('frees a stream when its client goes away, so closed pages never use up the stream limit', async () => {
    // The relay holds 32 streams at most: 40 opened and closed one after another all open.
    for (let i = 0; i < 40; i++) {
      await expect.poll(async () => (await snapshotWhere(relay.url, () => true)).relay.version).toBeTruthy()
    }
  })
})

describe('POST /api/call', () => {
  it('runs a tool through dispatch, answers its result and the router decision, and audits it', async () => {
    const res = await call(relay.url, {
      tool: 'text_hash',
      params: { text: 'dashboard', algorithm: 'sha256' },
    })
    expect(res.status).toBe(200)
    const body: any = await res.json()
    expect(body.decision).toMatchObject({ tool: 'text_hash', runtime: 'local' })
    expect(body.result.digest).toMatch(/^[0-9a-f]{64}$/)
    const { entries } = await dispatch('audit_query', { tool: 'text_hash' })
    expect(entries[0]).toMatchObject({ tool: 'text_hash', outcome: 'ok', identity: null })
  })

  it('refuses bad input with a clear error code and the problem named', async () => {
    const wrongType = await call(relay.url, { tool: 'p2p_taskqueue_priority', params: { taskId: 5 } })
    expect(wrongType.status).toBe(400)
    const problem: any = await wrongType.json()
    expect(problem.error.code).toBe('INVALID_PARAMS')
    expect(JSON.stringify(problem.error.details)).toContain('taskId')
    const { entries } = await dispatch('audit_query', { tool: 'p2p_taskqueue_priority' })
    expect(entries[0]).toMatchObject({ outcome: 'INVALID_PARAMS' })

    const notJson = await call(relay.url, '{tool')
    expect([notJson.status, ((await notJson.json()) as any).error.code]).toEqual([400, 'INVALID_PARAMS'])
    const extra = await call(relay.url, { tool: 'text_hash', params: {}, other: 1 })
    expect([extra.status, ((await extra.json()) as any).error.code]).toEqual([400, 'INVALID_PARAMS'])
    const unknown = await call(relay.url, { tool: 'text_hsh', params: {} })
    expect([unknown.status, ((await unknown.json()) as any).error.code]).toEqual([422, 'UNKNOWN_TOOL'])
    const huge = await call(relay.url, { tool: 'text_hash', params: { text: 'x'.repeat(5_000_000) } })
    expect([huge.status, ((await huge.json()) as any).error.code]).toEqual([413, 'TOO_LARGE'])
  })
})

describe('the dashboard with a relay token', () => {
  let guarded: RunningRelay
  const token = 'dashboard-test-token'
  beforeAll(async () => {
    guarded = await startTestRelay({ token })
  })
  afterAll(async () => {
    await guarded?.close()
  })

  it('lets a loopback client read without the token', async () => {
    const snapshot = await snapshotWhere(guarded.url, () => true)
    expect(snapshot.tokenRequired).toBe(true)
    const res = await call(guarded.url, { tool: 'p2p_taskqueue_list_tasks', params: {} })
    expect(res.status).toBe(200)
  })

  it('asks for the token for every action, even on loopback', async () => {
    const cancel = { tool: 'p2p_taskqueue_cancel', params: { taskId: 'no-such-task' } }
    const refused = await call(guarded.url, cancel)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toContain('Bearer')
    expect(((await refused.json()) as any).error.code).toBe('UNAUTHORIZED')
    const wrong = await call(guarded.url, cancel, { authorization: 'Bearer not-the-token' })
    expect(wrong.status).toBe(401)
    // With the token the call runs: the task is unknown to the queue.
    const allowed = await call(guarded.url, cancel, { authorization: `Bearer ${token}` })
    expect(((await allowed.json()) as any).error.code).toBe('NOT_FOUND')
    const { entries } = await (
      await call(guarded.url, { tool: 'audit_query', params: { tool: 'p2p_taskqueue_cancel' } })
    )
      .json()
      .then((b: any) => b.result)
    expect(entries[0]).toMatchObject({ identity: 'operator', outcome: 'NOT_FOUND' })
  })

  it('asks for the token for reads that a proxy forwarded from elsewhere', async () => {
    const forwarded = { 'x-forwarded-for': '203.0.113.7' }
    const events = await fetch(`${guarded.url}/api/events`, { headers: forwarded })
    expect(events.status).toBe(401)
    await events.body?.cancel()
    const read = await call(guarded.url, { tool: 'p2p_taskqueue_list_tasks', params: {} }, forwarded)
    expect(read.status).toBe(401)
    const snapshot = await snapshotWhere(guarded.url, () => true, {
      ...forwarded,
      authorization: `Bearer ${token}`,
    })
    expect(snapshot.queue.queued).toBe(0)
  })
})

/** An address of this machine that is not loopback: a client dialing it is not local. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i !== undefined && !i.internal && i.family === 'IPv4')?.address

describe.skipIf(lanAddress === undefined)('the dashboard with a relay token, from another address', () => {
  let lan: RunningRelay
  const token = 'dashboard-lan-token'
  beforeAll(async () => {
    lan = await startTestRelay({ token, host: lanAddress as string })
  })
  afterAll(async () => {
    await lan?.close()
  })

  it('asks a client that is not on loopback for the token even to read', async () => {
    expect(lan.url).toContain(lanAddress)
    const events = await fetch(`${lan.url}/api/events`)
    expect(events.status).toBe(401)
    await events.body?.cancel()
    const read = await call(lan.url, { tool: 'p2p_taskqueue_list_tasks', params: {} })
    expect(read.status).toBe(401)
    const withToken = await call(
      lan.url,
      { tool: 'p2p_taskqueue_list_tasks', params: {} },
      { authorization: `Bearer ${token}` },
    )
    expect(withToken.status).toBe(200)
    const snapshot = await snapshotWhere(lan.url, () => true, { authorization: `Bearer ${token}` })
    expect(snapshot.tokenRequired).toBe(true)
  })
})
