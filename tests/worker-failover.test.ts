import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { spawnNodeCompute } from '../worker/compute/node-compute.ts'
import { type RunningWorker, startWorker } from '../worker/core/start-worker.ts'
import type { WorkerEvent } from '../worker/core/worker-events.ts'
import { connectClient, startTestRelay } from './helpers.ts'
import { type Identity, identity } from './relay-identity.ts'
import { pairConfig, relayStatus, startRelayPair } from './relay-pair.ts'

const status = relayStatus
const eventually = <T>(check: () => Promise<T> | T, timeout = 20_000) =>
  vi.waitFor(check, { timeout, interval: 50 })

let a: Identity
let b: Identity
let relayA: RunningRelay | undefined
let relayB: RunningRelay | undefined
let worker: RunningWorker | undefined
const events: WorkerEvent[] = []

beforeAll(async () => {
  ;({ a, b, relayA, relayB } = await startRelayPair())
}, 60_000)

afterAll(async () => {
  await worker?.stop({ drain: false })
  await relayA?.close()
  await relayB?.close()
})

describe('a worker whose relay goes away', () => {
  it('learns the other member relays from its relay when it connects', async () => {
    worker = await startWorker({
      relay: relayA!.url,
      concurrency: 1,
      name: 'failover worker',
      spawnCompute: () => spawnNodeCompute(),
      onEvent: (e) => events.push(e),
      reconnectBaseMs: 50,
    })
    await eventually(() => expect(worker!.worker.stats().state).toBe('connected'))
    expect(worker.worker.stats().relay).toContain(a.peerId)
    const known = worker.worker.knownRelays()
    expect(known.map((r) => r.peerId)).toEqual([a.peerId, b.peerId])
    expect(known[1]!.addresses).toContain(b.address)
    expect((await status(relayA!)).workers.map((w: any) => w.name)).toEqual(['failover worker'])
  })

  it('moves to a relay it learned about when its relay stops, and runs tasks there', async () => {
    await relayA!.close()
    relayA = undefined
    await eventually(async () => {
      expect((await status(relayB!)).workers.map((w: any) => w.name)).toEqual(['failover worker'])
    })
    await eventually(() => expect(worker!.worker.stats().state).toBe('connected'))
    expect(worker!.worker.stats().relay).toContain(b.peerId)
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'state',
        state: 'connected',
        relay: expect.stringContaining(b.peerId),
      }),
    )
    const client = await connectClient(relayB!.url)
    try {
      const result = await client.callTool({
        name: 'tools_dispatch',
        arguments: {
          tool: 'p2p_taskqueue_submit',
          params: { kind: 'sha256', input: { text: 'abc' }, wait: true },
        },
      })
      expect((result.structuredContent as any).result.results[0]).toMatchObject({
        state: 'succeeded',
        output: { sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', bytes: 3 },
      })
    } finally {
      await client.close()
    }
    // B told it about A: it stays known for when B goes away in turn.
    expect(worker!.worker.knownRelays().map((r) => r.peerId)).toEqual([b.peerId, a.peerId])
  })
})

describe('a worker connected before its relay heard from the others', () => {
  let c: Identity
  let d: Identity
  let relayC: RunningRelay | undefined
  let relayD: RunningRelay | undefined
  let late: RunningWorker | undefined

  afterAll(async () => {
    await late?.stop({ drain: false })
    await relayC?.close()
    await relayD?.close()
  })

  it('learns a member relay that comes up later, without reconnecting', async () => {
    c = await identity()
    d = await identity()
    relayC = await startTestRelay(pairConfig(c, d))
    late = await startWorker({
      relay: relayC.url,
      concurrency: 1,
      name: 'early worker',
      spawnCompute: () => spawnNodeCompute(),
    })
    await eventually(() => expect(late!.worker.stats().state).toBe('connected'))
    expect(late.worker.knownRelays().map((r) => r.peerId)).toEqual([c.peerId])
    const { workerId } = late.worker.stats()
    relayD = await startTestRelay(pairConfig(d, c))
    // C hears D's announcement; the worker's next heartbeat (every 5 s) brings it the list.
    await eventually(() =>
      expect(late!.worker.knownRelays().map((r) => r.peerId)).toEqual([c.peerId, d.peerId]),
    )
    expect(late.worker.stats()).toMatchObject({ state: 'connected', workerId })
  })
})

describe('a worker refused by the relay it moves to', () => {
  let e: Identity
  let f: Identity
  let relayE: RunningRelay | undefined
  let relayF: RunningRelay | undefined
  let refused: RunningWorker | undefined

  afterAll(async () => {
    await refused?.stop({ drain: false })
    await relayE?.close()
    await relayF?.close()
  })

  it('forgets that relay and goes back to its own relay when it returns', async () => {
    e = await identity()
    f = await identity()
    // F admits workers by join token only; this worker has none.
    ;[relayE, relayF] = await Promise.all([
      startTestRelay(pairConfig(e, f)),
      startTestRelay({
        ...pairConfig(f, e),
        workers: { admission: 'token', joinTokens: ['a-join-token-of-16+'] },
      }),
    ])
    await eventually(async () => {
      expect((await status(relayE!)).relays.map((r: any) => r.peerId)).toContain(f.peerId)
    })
    refused = await startWorker({
      relay: relayE.url,
      concurrency: 1,
      name: 'volunteer',
      spawnCompute: () => spawnNodeCompute(),
      reconnectBaseMs: 50,
    })
    await eventually(() =>
      expect(refused!.worker.knownRelays().map((r) => r.peerId)).toEqual([e.peerId, f.peerId]),
    )
    await relayE.close()
    await eventually(() => expect(refused!.worker.knownRelays().map((r) => r.peerId)).toEqual([e.peerId]))
    expect(refused.worker.stats().state).not.toBe('stopped')
    // E comes back on the same address: the worker returns to it.
    relayE = await startTestRelay(pairConfig(e, f))
    await eventually(async () => {
      expect((await status(relayE!)).workers.map((w: any) => w.name)).toEqual(['volunteer'])
    }, 40_000)
  }, 60_000)
})
