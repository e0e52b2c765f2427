import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { cidOf } from '../shared/wire/block-protocol.ts'
import { encodeFrame } from '../shared/wire/frame-decoder.ts'
import { BlockClient } from '../worker/core/block-client.ts'
import { type FakeWorker, fakeWorker } from './fake-worker.ts'
import { startTestRelay } from './helpers.ts'

let relay: RunningRelay
const peers: FakeWorker[] = []

beforeAll(async () => {
  relay = await startTestRelay()
})
afterAll(async () => {
  for (const p of peers) await p.stop()
  await relay?.close()
})

/** A fresh peer (its own PeerId, so strikes from one test never reach another). */
async function peer(): Promise<FakeWorker> {
  const p = await fakeWorker(relay.url)
  peers.push(p)
  return p
}

/** The value of a Prometheus sample on the relay, 0 when absent. */
async function metric(name: string, label = ''): Promise<number> {
  const text = await relay.components.metrics.registry.getSingleMetricAsString(name)
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(label))
  return line ? Number(line.split(' ').pop()) : 0
}
const violations = (problem: string) => metric('mcpp_task_protocol_violations_total', `problem="${problem}"`)
const strikes = (p: FakeWorker) => relay.components.tasks.standingOf(p.node.peerId.toString()).strikes

describe('bad input on the task protocol', () => {
  it('resets a stream that sends garbage bytes, counts a strike and keeps serving new streams', async () => {
    const p = await peer()
    const bad = await p.open()
    bad.stream.send(new TextEncoder().encode('\u0005hello, this is not JSON at all'))
    expect(await bad.closed).toBeInstanceOf(Error)
    expect(await violations('not_json')).toBe(1)
    expect(strikes(p)).toBe(1)
    const good = await p.open()
    const welcome = await good.hello()
    expect(welcome.workerId).toContain(p.node.peerId.toString())
    good.channel.close()
    await good.closed
  })

  it('refuses a frame whose declared length is over the limit before reading it', async () => {
    const bad = await (await peer()).open()
    bad.stream.send(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]))
    expect(await bad.closed).toBeInstanceOf(Error)
    expect(await violations('oversized')).toBe(1)
  })

  it('resets a stream whose message breaks the schema, and counts a message before hello as a strike', async () => {
    const p = await peer()
    const wrong = await p.open()
    await wrong.channel.send({ type: 'hello', version: 1, name: 'x', kinds: [], concurrency: 0 } as never)
    expect(await wrong.closed).toBeInstanceOf(Error)
    expect(await violations('invalid_message')).toBe(1)
    const skipped = await p.open()
    await skipped.channel.send({ type: 'heartbeat', inFlight: [] })
    expect(await skipped.closed).toBeInstanceOf(Error)
    expect(await violations('before_hello')).toBe(1)
    expect(strikes(p)).toBe(2)
  })

  it('refuses a hello that claims a capability only the relay may give', async () => {
    const s = await (await peer()).open()
    await s.sendHello({ capabilities: ['mcpp:member'] })
    expect(await s.closed).toBeInstanceOf(Error)
  })

  it('resets a stream whose results nest 200,000 levels deep and keeps serving', async () => {
    const { task } = (await relay.components.tasks.submit([{ kind: 'echo', input: { deep: true } }]))[0]!
    const s = await (await peer()).open()
    await s.hello()
    const [assigned] = (await s.next('assign')).tasks
    expect(assigned?.taskId).toBe(task.id)
    const output = `${'['.repeat(200_000)}${']'.repeat(200_000)}`
    const frame = `{"type":"results","results":[{"taskId":"${task.id}","token":${assigned?.token},"ok":true,"output":${output},"durationMs":1}]}`
    s.stream.send(encodeFrame(new TextEncoder().encode(frame)))
    expect(await s.closed).toBeInstanceOf(Error)
    expect(await violations('too_deep')).toBe(1)
    // The worker's stream died, so its task went back to the queue; nothing was settled.
    await expect.poll(() => relay.components.tasks.get(task.id)?.state).toBe('queued')
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200)
    relay.components.tasks.cancel(task.id)
  })

  it('ignores a result for a task the worker does not hold and changes nothing', async () => {
    const { task } = (
      await relay.components.tasks.submit([{ kind: 'wasm', input: { never: 'assigned' } }])
    )[0]!
    const s = await (await peer()).open()
    await s.hello()
    await s.channel.send({
      type: 'results',
      results: [{ taskId: task.id, token: 1, ok: true, output: 'forged', durationMs: 1 }],
    })
    await expect.poll(() => metric('mcpp_task_stale_results_total')).toBe(1)
    expect(relay.components.tasks.get(task.id)).toMatchObject({ state: 'queued', output: undefined })
    s.channel.close()
    await s.closed
    relay.components.tasks.cancel(task.id)
  })

  it('disconnects and bans a peer that keeps breaking the protocol, also across reconnects', async () => {
    const other = await peer()
    for (let i = 0; i < 5; i++) {
      const s = await other.open()
      s.stream.send(encodeFrame(new TextEncoder().encode('{"type":"nope"}')))
      await s.closed
    }
    await expect.poll(() => other.node.getConnections().length).toBe(0)
    expect(relay.components.tasks.isBanned(other.node.peerId.toString())).toBe(true)
    await expect(other.open()).rejects.toThrow()
    expect(await metric('mcpp_peer_bans_total', 'reason="violation"')).toBeGreaterThanOrEqual(1)
  })
})

describe('blocks belong to the tasks that need them', () => {
  it('lets a worker read only the input blocks of tasks it holds', async () => {
    const p = await peer()
    const blocks = new BlockClient(p.node, p.address)
    // The operator's own content, and a task input block the worker does not hold.
    const secret = await relay.components.content.put(new TextEncoder().encode('private ipfs_add content'))
    await expect(blocks.get(secret)).rejects.toThrow(/NOT_FOUND/)
    const big = { text: 'x'.repeat(300 * 1024) }
    const { task } = (await relay.components.tasks.submit([{ kind: 'sha256', input: big }]))[0]!
    expect(task.inputCid).not.toBeNull()
    await expect(blocks.get(task.inputCid as string)).rejects.toThrow(/NOT_FOUND/)
    const s = await p.open()
    await s.hello({ kinds: ['sha256'] })
    const [assigned] = (await s.next('assign')).tasks
    expect(assigned?.inputCid).toBe(task.inputCid)
    expect(JSON.parse(new TextDecoder().decode(await blocks.get(task.inputCid as string)))).toEqual(big)
    await expect(blocks.get(secret)).rejects.toThrow(/NOT_FOUND/)
    s.channel.close()
    await s.closed
    relay.components.tasks.cancel(task.id)
  })

  it('stores output blocks only for a task the worker holds, within the quota, and accepts only those as its output', async () => {
    const p = await peer()
    const blocks = new BlockClient(p.node, p.address)
    const bytes = new TextEncoder().encode('"an output"')
    await expect(blocks.put(bytes, { taskId: 'nope', token: 1 })).rejects.toThrow(/FORBIDDEN/)
    const { task } = (await relay.components.tasks.submit([{ kind: 'echo', input: 'an output' }]))[0]!
    const s = await p.open()
    await s.hello()
    const [assigned] = (await s.next('assign')).tasks
    const held = { taskId: task.id, token: assigned?.token as number }
    const tooBig = new Uint8Array(relay.components.config.workers.maxOutputBlockBytes + 1)
    await expect(blocks.put(tooBig, held)).rejects.toThrow(/QUOTA_EXCEEDED/)
    // A CID of a block this worker never stored for the task is not an output.
    const foreign = (await cidOf(new TextEncoder().encode('someone else'))).toString()
    await s.channel.send({
      type: 'results',
      results: [{ ...held, ok: true, outputCid: foreign, durationMs: 1 }],
    })
    await expect.poll(() => relay.components.tasks.get(task.id)?.error?.code).toBe('INVALID_OUTPUT')
    expect(await violations('invalid_output')).toBe(1)
    s.channel.close()
    await s.closed
    relay.components.tasks.cancel(task.id)
  })
})
