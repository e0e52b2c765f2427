import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { cidOf } from '../shared/wire/block-protocol.ts'
import { encodeFrame } from '../shared/wire/frame-decoder.ts'
import { BlockClient } from '../worker/core/block-client.ts'
import { type FakeWorker, fakeWorker } from './fake-worker.ts'
import { startTestRelay } from './helpers.ts'

let relay: RunningRelay
let fake: FakeWorker

beforeAll(async () => {
  relay = await startTestRelay()
  fake = await fakeWorker(relay.url)
})
afterAll(async () => {
  await fake?.stop()
  await relay?.close()
})

/** The value of a Prometheus sample on the relay, 0 when absent. */
async function metric(name: string, label = ''): Promise<number> {
  const text = await relay.components.metrics.registry.getSingleMetricAsString(name)
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(label))
  return line ? Number(line.split(' ').pop()) : 0
}
const violations = (problem: string) => metric('mcpp_task_protocol_violations_total', `problem="${problem}"`)

describe('bad input on the task protocol', () => {
  it('resets a stream that sends garbage bytes and keeps serving new streams', async () => {
    const bad = await fake.open()
    bad.stream.send(new TextEncoder().encode('\u0005hello, this is not JSON at all'))
    expect(await bad.closed).toBeInstanceOf(Error)
    expect(await violations('not_json')).toBe(1)
    const good = await fake.open()
    const welcome = await good.hello()
    expect(welcome.workerId).toContain(fake.node.peerId.toString())
    good.channel.close()
    await good.closed
  })

  it('refuses a frame whose declared length is over the limit before reading it', async () => {
    const bad = await fake.open()
    bad.stream.send(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]))
    expect(await bad.closed).toBeInstanceOf(Error)
    expect(await violations('oversized')).toBe(1)
  })

  it('resets a stream whose message breaks the schema or skips hello', async () => {
    const wrong = await fake.open()
    await wrong.channel.send({ type: 'hello', version: 1, name: 'x', kinds: [], concurrency: 0 } as never)
    expect(await wrong.closed).toBeInstanceOf(Error)
    expect(await violations('invalid_message')).toBe(1)
    const skipped = await fake.open()
    await skipped.channel.send({ type: 'heartbeat', inFlight: [] })
    expect(await skipped.closed).toBeInstanceOf(Error)
  })

  it('resets a stream whose results nest 200,000 levels deep and keeps serving', async () => {
    const { task } = relay.components.tasks.submit([{ kind: 'echo', input: { deep: true } }])[0]!
    const s = await fake.open()
    await s.hello()
    const [assigned] = (await s.next('assign')).tasks
    expect(assigned?.taskId).toBe(task.id)
    const output = `${'['.repeat(200_000)}${']'.repeat(200_000)}`
    const frame = `{"type":"results","results":[{"taskId":"${task.id}","token":${assigned?.token},"ok":true,"output":${output},"durationMs":1}]}`
    s.stream.send(encodeFrame(new TextEncoder().encode(frame)))
    expect(await s.closed).toBeInstanceOf(Error)
    expect(await violations('too_deep')).toBe(1)
    // The worker's stream died, so its task went back to the queue; nothing was settled.
    await expect.poll(() => relay.components.tasks.store.get(task.id)?.state).toBe('queued')
    const health = await fetch(`${relay.url}/healthz`)
    expect(health.status).toBe(200)
    relay.components.tasks.cancel(task.id)
  })

  it('ignores a result for a task the worker does not hold and changes nothing', async () => {
    const { task } = relay.components.tasks.submit([{ kind: 'wasm', input: { never: 'assigned' } }])[0]!
    const s = await fake.open()
    await s.hello()
    await s.channel.send({
      type: 'results',
      results: [{ taskId: task.id, token: 1, ok: true, output: 'forged', durationMs: 1 }],
    })
    await expect.poll(() => metric('mcpp_task_stale_results_total')).toBe(1)
    expect(relay.components.tasks.store.get(task.id)).toMatchObject({ state: 'queued', output: undefined })
    s.channel.close()
    await s.closed
  })

  it('stores blocks only for connected workers and serves them verified by CID', async () => {
    const blocks = new BlockClient(fake.node, fake.address)
    const bytes = new TextEncoder().encode('content-addressed payload')
    await expect(blocks.put(bytes)).rejects.toThrow(/FORBIDDEN/)
    const s = await fake.open()
    await s.hello()
    const cid = await blocks.put(bytes)
    expect(cid).toBe((await cidOf(bytes)).toString())
    expect(new TextDecoder().decode(await blocks.get(cid))).toBe('content-addressed payload')
    const missing = (await cidOf(new TextEncoder().encode('nobody stored this'))).toString()
    await expect(blocks.get(missing)).rejects.toThrow(/NOT_FOUND/)
    s.channel.close()
    await s.closed
  })

  it('disconnects a peer that keeps breaking the protocol', async () => {
    const other = await fakeWorker(relay.url)
    try {
      for (let i = 0; i < 5; i++) {
        const s = await other.open()
        s.stream.send(encodeFrame(new TextEncoder().encode('{"type":"nope"}')))
        await s.closed
      }
      await expect.poll(() => other.node.getConnections().length).toBe(0)
    } finally {
      await other.stop()
    }
  })
})
