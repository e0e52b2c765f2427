import { createHash } from 'node:crypto'
import type { CallToolResult, Client } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { HASHING_EMBEDDING_MODEL } from '../shared/text/hashing-embedding.ts'
import { type FakeWorker, fakeWorker, scriptedWorker } from './fake-worker.ts'
import { connectClient, startTestRelay } from './helpers.ts'
import { identity } from './relay-identity.ts'

const addressOf = (relay: RunningRelay) => relay.components.p2p.node?.multiaddrs()[0] as string
const structured = (r: unknown) => (r as CallToolResult).structuredContent as Record<string, any>

/** A worker's answer to an embed task: real-looking vectors, tagged by where it ran. */
function embedAnswer(input: unknown, dimension: number) {
  const { texts } = input as { texts: string[] }
  return {
    model: HASHING_EMBEDDING_MODEL,
    dimensions: 8,
    embeddings: texts.map(() => Array(8).fill(dimension)),
  }
}

let a: RunningRelay
let b: RunningRelay
let aPeerId: string
let workerOnA: FakeWorker
let client: Client
/** Inputs A's worker leaves unanswered. */
const stall = new Set<string>()

/** B hears A's current capacity (the periodic announcement is not what these tests wait for). */
async function announceA(): Promise<void> {
  const outcome = await a.components.p2p.directory?.announce()
  expect(outcome?.notified).toBe(1)
}

beforeAll(async () => {
  const aId = await identity()
  const bId = await identity()
  aPeerId = aId.peerId
  a = await startTestRelay({ dataDir: aId.dataDir, relays: { members: [bId.peerId] } })
  b = await startTestRelay({
    dataDir: bId.dataDir,
    bootstrapPeers: [addressOf(a)],
    relays: { members: [aId.peerId] },
    expose: 'hybrid',
    exposeTools: ['text_embed'],
  })
  workerOnA = await fakeWorker(a.url)
  await scriptedWorker(workerOnA, (task) => {
    if (task.kind === 'embed') {
      const { texts } = task.input as { texts: string[] }
      return texts.some((t) => stall.has(t)) ? { stall: true } : { output: embedAnswer(task.input, 0.5) }
    }
    const { text } = task.input as { text: string }
    return {
      output: { sha256: createHash('sha256').update(text).digest('hex'), bytes: Buffer.byteLength(text) },
    }
  })
  await vi.waitFor(() => expect(a.components.tasks.taskKinds().has('sha256')).toBe(true))
  await vi.waitFor(() => expect(b.components.p2p.node?.libp2p.getConnections().length).toBeGreaterThan(0), {
    timeout: 20_000,
  })
  await vi.waitFor(announceA, { timeout: 10_000 })
  client = await connectClient(b.url)
})
afterAll(async () => {
  await client?.close()
  await workerOnA?.stop()
  await b?.close()
  await a?.close()
})

const dispatch = (tool: string, params: Record<string, unknown>, signal?: AbortSignal) =>
  client.callTool({ name: 'tools_dispatch', arguments: { tool, params } }, signal ? { signal } : {})

describe('routing across member relays', () => {
  it('runs a task submitted to B, whose kind no worker on B runs, on A’s idle worker', async () => {
    const out = structured(
      await dispatch('p2p_taskqueue_submit', { kind: 'sha256', input: { text: 'abc' }, wait: true }),
    )
    const [outcome] = out.result.results
    expect(outcome).toMatchObject({
      state: 'succeeded',
      output: { sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', bytes: 3 },
    })
    expect(outcome.verification.workers).toEqual([workerOnA.node.peerId.toString()])
    const onA = a.components.tasks.list({ limit: 50 }).tasks.find((t) => t.metadata.remoteId === outcome.id)
    expect(onA).toMatchObject({ kind: 'sha256', state: 'succeeded' })
  })

  it('routes an auto tool to A through the relay runtime and says why', async () => {
    const direct = (await client.callTool({
      name: 'text_embed',
      arguments: { texts: ['hi'], dimensions: 8 },
    })) as CallToolResult
    expect(direct.structuredContent).toMatchObject({ embeddings: [[0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]] })
    expect(direct._meta?.['mcpp/verification']).toMatchObject({
      runtime: 'relay',
      verification: { workers: [workerOnA.node.peerId.toString()] },
    })
    expect(direct._meta?.['mcpp/route']).toContain('no connected worker runs task kind "embed"')
    expect(direct._meta?.['mcpp/route']).toContain(`relay ${aPeerId} has`)

    const viaDispatch = structured(await dispatch('text_embed', { texts: ['hi'], dimensions: 8 }))
    expect(viaDispatch).toMatchObject({ runtime: 'relay', result: { model: HASHING_EMBEDDING_MODEL } })
  })

  it('passes a client’s cancellation on B to the task running on A', async () => {
    stall.add('forever')
    const controller = new AbortController()
    const call = dispatch('text_embed', { texts: ['forever'], dimensions: 8 }, controller.signal)
    const onA = await vi.waitFor(
      () => {
        const task = a.components.tasks
          .list({ limit: 50 })
          .tasks.find((t) => t.kind === 'embed' && (t.input as { texts: string[] }).texts[0] === 'forever')
        expect(task?.state).toMatch(/leased|running/)
        return task as NonNullable<typeof task>
      },
      { timeout: 10_000 },
    )
    controller.abort()
    await expect(call).rejects.toThrow()
    await vi.waitFor(() => expect(a.components.tasks.get(onA.id)?.state).toBe('cancelled'), {
      timeout: 10_000,
    })
    const onB = b.components.tasks.get(onA.metadata.remoteId as string)
    expect(onB?.state).toBe('cancelled')
  })

  it('uses B’s own worker when it has free slots, and says so', async () => {
    const workerOnB = await fakeWorker(b.url)
    try {
      await scriptedWorker(workerOnB, (task) => ({ output: embedAnswer(task.input, 0.25) }), {
        kinds: ['embed'],
      })
      await vi.waitFor(() => expect(b.components.tasks.taskKinds().has('embed')).toBe(true))
      const direct = (await client.callTool({
        name: 'text_embed',
        arguments: { texts: ['x'], dimensions: 8 },
      })) as CallToolResult
      expect(direct._meta?.['mcpp/verification']).toMatchObject({
        runtime: 'p2p',
        verification: { workers: [workerOnB.node.peerId.toString()] },
      })
      expect(direct._meta?.['mcpp/route']).toContain('local workers run "embed"')
    } finally {
      await workerOnB.stop()
    }
  })
})

describe('the relay runtime without members', () => {
  it('is unavailable, and says why', async () => {
    const alone = await startTestRelay()
    try {
      expect(alone.components.executor.snapshot().relay).toMatchObject({
        available: false,
        reason: 'no member relays are configured (relays.members)',
      })
      const lonely = await startTestRelay({ relays: { members: [aPeerId] } })
      try {
        expect(lonely.components.executor.snapshot().relay).toMatchObject({
          available: false,
          reason: expect.stringContaining('no member relay is connected'),
        })
      } finally {
        await lonely.close()
      }
    } finally {
      await alone.close()
    }
  })
})
