import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RelayConfigInput } from '../relay/config/schema.ts'
import { loadOrCreatePeerKey } from '../relay/p2p/peer-key.ts'
import type { RunningRelay } from '../relay/relay.ts'
import { spawnNodeCompute } from '../worker/compute/node-compute.ts'
import { type RunningWorker, startWorker } from '../worker/core/start-worker.ts'
import type { WorkerEvent } from '../worker/core/worker-events.ts'
import { connectClient, startTestRelay } from './helpers.ts'
import { freePort } from './relay-process.ts'

/** A relay's data directory, identity and p2p port, fixed before it starts so the other can list it. */
interface Identity {
  dataDir: string
  peerId: string
  p2pPort: number
  address: string
}

async function identity(): Promise<Identity> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-failover-'))
  const peerId = peerIdFromPrivateKey(await loadOrCreatePeerKey(dataDir)).toString()
  const p2pPort = await freePort()
  return { dataDir, peerId, p2pPort, address: `/ip4/127.0.0.1/tcp/${p2pPort}/ws/p2p/${peerId}` }
}

/** A and B list each other as bootstrap peers and members. */
function config(self: Identity, other: Identity): RelayConfigInput {
  return {
    dataDir: self.dataDir,
    p2pPort: self.p2pPort,
    host: '127.0.0.1',
    bootstrapPeers: [other.address],
    relays: { members: [other.peerId] },
  }
}

const status = async (relay: RunningRelay): Promise<any> => (await fetch(`${relay.url}/api/status`)).json()
const eventually = <T>(check: () => Promise<T> | T, timeout = 20_000) =>
  vi.waitFor(check, { timeout, interval: 50 })

let a: Identity
let b: Identity
let relayA: RunningRelay | undefined
let relayB: RunningRelay | undefined
let worker: RunningWorker | undefined
const events: WorkerEvent[] = []

beforeAll(async () => {
  a = await identity()
  b = await identity()
  ;[relayA, relayB] = await Promise.all([startTestRelay(config(a, b)), startTestRelay(config(b, a))])
  // A must have heard B's announcement (with its addresses) before the worker says hello.
  await eventually(async () => {
    expect((await status(relayA!)).relays.map((r: any) => r.peerId)).toContain(b.peerId)
  })
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
