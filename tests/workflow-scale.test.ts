import type { Client } from '@modelcontextprotocol/client'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { INLINE_PAYLOAD_LIMIT } from '../shared/wire/task-messages.ts'
import type { RunningWorker } from '../worker/core/start-worker.ts'
import { type FakeWorker, fakeWorker, scriptedWorker } from './fake-worker.ts'
import { connectedWorker } from './fixtures/node-worker.ts'
import { connectClient, errorMeta, startTestRelay } from './helpers.ts'
import { type RelayPair, relayStatus, startRelayPair } from './relay-pair.ts'

/**
 * Workflows at scale and on the data path (issue 12, "Bad input and faults"), through a
 * real relay and MCP client: a map over 10,000 items with parallelism 16, outputs over
 * the inline limit travelling by CID, and a step that always fails under both policies.
 */

type Call = (tool: string, params: Record<string, unknown>) => Promise<any>

function caller(client: Client): { call: Call; ok: Call } {
  const call: Call = (tool, params) =>
    client.callTool({ name: 'tools_dispatch', arguments: { tool, params } }, { timeout: 60_000 })
  const ok: Call = async (tool, params) => {
    const result = await call(tool, params)
    if (result.isError) throw new Error(`${tool}: ${JSON.stringify(result._meta ?? result.content)}`)
    return (result.structuredContent as { result: unknown }).result
  }
  return { call, ok }
}

const step = (status: { steps: Array<{ stepId: string }> }, id: string): any =>
  status.steps.find((s) => s.stepId === id)

/** Polls p2p_workflow_status until the workflow ends, calling `each` with every status seen. */
async function untilDone(
  ok: Call,
  workflowId: string,
  each: (status: any) => Promise<void> | void = () => {},
) {
  for (;;) {
    const status = await ok('p2p_workflow_status', { workflowId })
    await each(status)
    if (status.workflow.state !== 'running') return status
    // Pacing between polls, not synchronisation: the loop ends on the state it reads.
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('a map over 10,000 items with parallelism 16', () => {
  let relay: RunningRelay
  let client: Client
  let peer: FakeWorker
  afterEach(async () => {
    await peer?.stop()
    await client?.close()
    await relay?.close()
  })

  it('ends succeeded with 10,000 outputs in order, never more than 16 items at once, the relay answering meanwhile', async () => {
    relay = await startTestRelay()
    client = await connectClient(relay.url)
    const { ok } = caller(client)
    // A worker with room for far more than 16 tasks, so only the map bounds them. It
    // answers each assignment on the next timer turn (its "work"), and counts the tasks
    // it holds: a task leaves the count before its result is sent, so the count never
    // exceeds what the relay has running.
    peer = await fakeWorker(relay.url)
    const stream = await peer.open()
    await stream.hello({ concurrency: 64, kinds: ['range', 'square'] })
    let held = 0
    let mostHeld = 0
    let items = 0
    void (async () => {
      for (;;) {
        const message = await Promise.race([stream.next('assign'), stream.closed.then(() => null)])
        if (message === null) return
        held += message.tasks.length
        mostHeld = Math.max(mostHeld, held)
        setTimeout(() => {
          const results = message.tasks.map((task) => {
            const input = task.input as any
            if (task.kind === 'square') items++
            const output =
              task.kind === 'range'
                ? Array.from({ length: input.n }, (_, i) => i)
                : { i: input.i, sq: input.i ** 2 }
            return { taskId: task.taskId, token: task.token, durationMs: 1, ok: true as const, output }
          })
          held -= message.tasks.length
          void stream.channel.send({ type: 'results', results }).catch(() => {})
        }, 1)
      }
    })()

    const submitted = await ok('p2p_workflow_submit', {
      name: 'ten thousand squares',
      steps: [
        { id: 'list', type: 'task', kind: 'range', input: { n: 10_000 } },
        {
          id: 'each',
          type: 'map',
          over: { $ref: 'list' },
          parallelism: 16,
          do: { type: 'task', kind: 'square', input: { i: { $item: true } } },
        },
      ],
    })
    let mostRunning = 0
    let slowestHealth = 0
    let polls = 0
    const status = await untilDone(ok, submitted.workflow.id, async (s) => {
      polls++
      mostRunning = Math.max(mostRunning, step(s, 'each').items?.running ?? 0)
      const started = performance.now()
      const health = await fetch(`${relay.url}/healthz`)
      slowestHealth = Math.max(slowestHealth, performance.now() - started)
      expect(health.status).toBe(200)
    })

    expect(step(status, 'each').error).toBeNull()
    expect(status.workflow.state).toBe('succeeded')
    expect(step(status, 'each').items).toMatchObject({
      total: 10_000,
      succeeded: 10_000,
      failed: 0,
      running: 0,
    })
    const output = step(status, 'each').output as Array<{ i: number; sq: number }>
    expect(output).toHaveLength(10_000)
    expect(output.every((o, i) => o.i === i && o.sq === i * i)).toBe(true)
    expect(items).toBe(10_000)
    // The bound held on both sides, and it was reached (the map did run 16 at once).
    expect(mostHeld).toBeLessThanOrEqual(16)
    expect(mostHeld).toBe(16)
    expect(mostRunning).toBeLessThanOrEqual(16)
    // Many polls answered while the map ran, none of them slowly (a generous bound).
    expect(polls).toBeGreaterThan(3)
    expect(slowestHealth).toBeLessThan(2_000)
  }, 90_000)
})

describe('large outputs and failing steps, with a Node worker', () => {
  let relay: RunningRelay
  let client: Client
  let worker: RunningWorker
  let call: Call
  let ok: Call

  beforeAll(async () => {
    // `warn`: a kind no worker runs is queued (the fail-fast test needs a step that waits).
    relay = await startTestRelay({ tasks: { unknownKinds: 'warn' } })
    client = await connectClient(relay.url)
    ;({ call, ok } = caller(client))
    worker = await connectedWorker(relay.url, { concurrency: 4, name: 'workflow scale test worker' })
  })
  afterAll(async () => {
    await worker?.stop({ drain: false })
    await client?.close()
    await relay?.close()
  })

  /** 40 items of 8 KiB each: every item inline, the map's output (about 330 KiB) over the limit. */
  const PAD = 'x'.repeat(8 * 1024)
  const expected = Array.from({ length: 40 }, (_, i) => ({ i, pad: PAD }))

  it('passes an output over the inline limit by CID: $ref reads the whole value, $cid its CID', async () => {
    expect(JSON.stringify(expected).length).toBeGreaterThan(INLINE_PAYLOAD_LIMIT)
    const submitted = await ok('p2p_workflow_submit', {
      steps: [
        { id: 'list', type: 'task', kind: 'echo', input: expected.map((e) => e.i) },
        {
          id: 'big',
          type: 'map',
          over: { $ref: 'list' },
          parallelism: 8,
          do: { type: 'task', kind: 'echo', input: { i: { $item: true }, pad: PAD } },
        },
        // The whole value, as a task's input (it goes to the worker as a block) …
        { id: 'whole', type: 'task', kind: 'echo', input: { got: { $ref: 'big' } } },
        // … and as a tool's params: the hash of the last item's pad proves it was all there.
        { id: 'last', type: 'tool', tool: 'text_hash', params: { text: { $ref: 'big', path: '$[39].pad' } } },
        { id: 'cid', type: 'task', kind: 'echo', input: { cid: { $cid: 'big' } } },
      ],
    })
    const status = await untilDone(ok, submitted.workflow.id)
    expect(status.steps.map((s: any) => [s.stepId, s.state, s.error])).toEqual(
      ['list', 'big', 'whole', 'last', 'cid'].map((id) => [id, 'succeeded', null]),
    )
    const big = step(status, 'big')
    expect(big.output).toBeUndefined()
    expect(big.outputCid).toMatch(/^b/)

    const read = async (cid: string) =>
      JSON.parse((await ok('ipfs_cat', { cid })).content as string) as unknown
    expect(await read(big.outputCid)).toEqual(expected)
    // `whole` echoed what it received: the full list (its own output is large too).
    const whole = step(status, 'whole')
    expect(whole.outputCid).not.toBeNull()
    expect(await read(whole.outputCid)).toEqual({ got: expected })
    const last = await ok('text_hash', { text: PAD })
    expect(step(status, 'last').output.digest).toBe(last.digest)
    // `$cid` received the CID itself, which names the same bytes.
    expect(step(status, 'cid').output).toEqual({ cid: big.outputCid })
  }, 30_000)

  /** `bad` always fails (sha256 without its text); `after` depends on it. */
  const failing = (onFailure: string, independent: Record<string, unknown>) => ({
    onFailure,
    steps: [
      { id: 'bad', type: 'task', kind: 'sha256', input: { nope: 1 }, maxAttempts: 2 },
      { id: 'after', type: 'tool', tool: 'text_hash', params: { text: { $ref: 'bad', path: '$.sha256' } } },
      { id: 'other', ...independent },
    ],
  })

  it('under continue, a step that always fails skips its dependents while an independent branch finishes', async () => {
    const submitted = await ok('p2p_workflow_submit', {
      ...failing('continue', { type: 'tool', tool: 'text_hash', params: { text: 'independent' } }),
      wait: true,
    })
    const states = Object.fromEntries(submitted.steps.map((s: any) => [s.stepId, s.state]))
    expect(submitted.workflow.state).toBe('failed')
    expect(states).toEqual({ bad: 'failed', after: 'skipped', other: 'succeeded' })
    expect(step(submitted, 'bad')).toMatchObject({ attempt: 2, error: { code: 'INVALID_INPUT' } })
  })

  it('under fail-fast, a step that always fails cancels the rest, its waiting task too', async () => {
    const submitted = await ok('p2p_workflow_submit', {
      ...failing('fail-fast', { type: 'task', kind: 'no-worker-runs-this', input: {} }),
      wait: true,
    })
    const states = Object.fromEntries(submitted.steps.map((s: any) => [s.stepId, s.state]))
    expect(submitted.workflow.state).toBe('failed')
    expect(states).toEqual({ bad: 'failed', after: 'cancelled', other: 'cancelled' })
    expect(relay.components.tasks.get(step(submitted, 'other').taskId)?.state).toBe('cancelled')
    // Status after the end says the same.
    const again = await ok('p2p_workflow_status', { workflowId: submitted.workflow.id })
    expect(again.workflow.state).toBe('failed')
    expect(errorMeta(await call('p2p_workflow_cancel', { workflowId: 'nope' })).code).toBe('NOT_FOUND')
  })
})

describe('p2p_workflow_coordinate on member relays', () => {
  let pair: RelayPair | undefined
  let worker: RunningWorker | undefined
  let client: Client | undefined
  let peer: FakeWorker | undefined
  afterEach(async () => {
    await worker?.stop({ drain: false })
    await peer?.stop()
    await client?.close()
    await Promise.all([pair?.relayA.close(), pair?.relayB.close()])
    worker = undefined
    peer = undefined
    client = undefined
    pair = undefined
  })

  it('says a pending task step on B would run on member relay A, whose worker runs its kind', async () => {
    pair = await startRelayPair()
    const { a, relayA, relayB } = pair
    worker = await connectedWorker(relayA.url, { concurrency: 2, name: 'worker on A' })
    await vi.waitFor(
      async () => {
        const seen = (await relayStatus(relayB)).relays.find((r: any) => r.peerId === a.peerId)
        expect(seen?.capacity.kinds).toContain('echo')
      },
      { timeout: 20_000, interval: 100 },
    )
    client = await connectClient(relayB.url)
    const { ok } = caller(client)
    // `gate` is a kind no worker anywhere runs, so it stays queued on B and `later`
    // (echo, which only A's worker runs) stays pending behind it.
    const submitted = await ok('p2p_workflow_submit', {
      steps: [
        { id: 'gate', type: 'task', kind: 'echo', input: 'x', requires: ['no-such-capability'] },
        { id: 'later', type: 'task', kind: 'echo', input: { after: { $ref: 'gate' } } },
      ],
    })
    const report = await ok('p2p_workflow_coordinate', { workflowId: submitted.workflow.id, rebalance: true })
    const later = report.steps.find((s: any) => s.stepId === 'later')
    expect(later).toMatchObject({ state: 'pending', runtime: 'relay', relay: a.peerId })
    expect(later.reason).toContain(a.peerId)
    expect(report.moved).toEqual([])
    await ok('p2p_workflow_cancel', { workflowId: submitted.workflow.id })
  }, 45_000)

  it('with rebalance, hands a queued step task on B to A, which runs it, and the workflow completes', async () => {
    pair = await startRelayPair()
    const { a, relayA, relayB } = pair
    // A's one worker slot is held by a task it never answers, so A announces no free
    // slot and B's forwarding pump offers A nothing by itself: only the rebalance does.
    peer = await fakeWorker(relayA.url)
    await scriptedWorker(peer, (task) => (task.kind === 'hold' ? { stall: true } : { output: task.input }), {
      concurrency: 1,
      kinds: ['hold', 'echo'],
    })
    const [hold] = await relayA.components.tasks.submit([{ kind: 'hold', input: {} }])
    await vi.waitFor(
      async () => {
        const seen = (await relayStatus(relayB)).relays.find((r: any) => r.peerId === a.peerId)
        expect(seen?.capacity).toMatchObject({ freeSlots: 0, kinds: ['echo', 'hold'] })
      },
      { timeout: 20_000, interval: 100 },
    )
    client = await connectClient(relayB.url)
    const { ok } = caller(client)
    const submitted = await ok('p2p_workflow_submit', {
      steps: [{ id: 'moved', type: 'task', kind: 'echo', input: { x: 1 } }],
    })
    const id = submitted.workflow.id
    const taskId = step(submitted, 'moved').taskId
    expect(relayB.components.tasks.get(taskId)?.state).toBe('queued')

    const report = await ok('p2p_workflow_coordinate', { workflowId: id, rebalance: true })
    expect(step(report, 'moved')).toMatchObject({ runtime: 'relay', relay: a.peerId })
    expect(report.moved).toEqual([{ stepId: 'moved', taskId, relay: a.peerId }])
    // A's slot frees; its worker runs the task and the result comes back to B.
    relayA.components.tasks.cancel(hold!.task.id, 'test: free the slot')
    const status = await untilDone(ok, id)
    expect(status.workflow.state).toBe('succeeded')
    expect(step(status, 'moved').output).toEqual({ x: 1 })
  }, 45_000)
})
