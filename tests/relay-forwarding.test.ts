import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadOrCreatePeerKey } from '../relay/p2p/peer-key.ts'
import type { RunningRelay } from '../relay/relay.ts'
import {
  FORWARD_PROTOCOL,
  type ForwardFrame,
  type ForwardReply,
  forwardReply,
} from '../shared/wire/forward-messages.ts'
import { framedChannel } from '../shared/wire/framed-channel.ts'
import { type FakeWorker, fakeWorker, scriptedWorker } from './fake-worker.ts'
import { startTestRelay } from './helpers.ts'

/** A relay's data directory with its identity already made, so others can list its PeerId. */
async function relayIdentity(): Promise<{ dataDir: string; key: PrivateKey; peerId: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-forward-'))
  const key = await loadOrCreatePeerKey(dataDir)
  return { dataDir, key, peerId: peerIdFromPrivateKey(key).toString() }
}

/** A plain js-libp2p node (no MCP++ code): an outsider, or a member's key in other hands. */
function plainNode(privateKey: PrivateKey): Promise<Libp2p> {
  return createLibp2p({
    privateKey,
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  })
}

const addressOf = (relay: RunningRelay) => relay.components.p2p.node?.multiaddrs()[0] as string

/** Sends one forward request to `relay` from `node` and reads its reply. */
async function request(node: Libp2p, relay: RunningRelay, frame: ForwardFrame): Promise<ForwardReply> {
  const stream = await node.dialProtocol(multiaddr(addressOf(relay)), FORWARD_PROTOCOL)
  return new Promise((resolve, reject) => {
    let reply: ForwardReply | undefined
    const channel = framedChannel<ForwardReply, ForwardFrame>(stream, {
      inbound: forwardReply,
      maxMessageBytes: 64 * 1024,
      onMessage: (message) => {
        reply = message
        channel.close()
      },
      onClose: (error) => (reply ? resolve(reply) : reject(error ?? new Error('closed without an answer'))),
    })
    void channel.send(frame)
  })
}

/**
 * Stops a node that used a member's key, and waits until `relay` has dropped its
 * connection, so that the relay's next stream to that member goes to the real one.
 */
async function stopImpostor(node: Libp2p, relay: RunningRelay): Promise<void> {
  const peer = node.peerId
  await node.stop()
  await vi.waitFor(() => expect(relay.components.p2p.node?.libp2p.getConnections(peer).length).toBe(1))
}

async function refusedCount(relay: RunningRelay, reason: string): Promise<number> {
  const text = await (await fetch(`${relay.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`mcpp_forward_refused_total{reason="${reason}"}`))
  return Number(line?.split(' ')[1] ?? Number.NaN)
}

let a: RunningRelay
let b: RunningRelay
let aKey: PrivateKey
let bKey: PrivateKey
let aPeerId: string
let worker: FakeWorker
/** Inputs A's worker leaves unanswered (it stalls on them). */
const stall = new Set<string>()

beforeAll(async () => {
  const aId = await relayIdentity()
  const bId = await relayIdentity()
  aKey = aId.key
  bKey = bId.key
  aPeerId = aId.peerId
  a = await startTestRelay({ dataDir: aId.dataDir, relays: { members: [bId.peerId] } })
  b = await startTestRelay({
    dataDir: bId.dataDir,
    bootstrapPeers: [addressOf(a)],
    relays: { members: [aId.peerId] },
    forwarding: { leaseSeconds: 1 },
  })
  worker = await fakeWorker(a.url)
  await scriptedWorker(worker, (task) =>
    stall.has(String(task.input)) ? { stall: true } : { output: task.input },
  )
  await vi.waitFor(() => expect(a.components.tasks.taskKinds().has('echo')).toBe(true))
  await vi.waitFor(
    () =>
      expect(b.components.p2p.node?.libp2p.getConnections(peerIdFromPrivateKey(aKey)).length).toBeGreaterThan(
        0,
      ),
    { timeout: 20_000 },
  )
})
afterAll(async () => {
  await worker?.stop()
  await b?.close()
  await a?.close()
})

describe('forwarding between member relays', () => {
  it('runs a task handed from B on A’s worker and delivers the result to B', async () => {
    const [submitted] = await b.components.tasks.submit([
      { kind: 'echo', input: 'hello', trust: { level: 'any' } },
    ])
    const id = submitted!.task.id
    const offered = await b.components.forwarding.offer(id, aPeerId)
    expect(offered).toMatchObject({ ok: true, task: { state: 'leased', workerId: `relay:${aPeerId}` } })
    const { task, timedOut } = await b.components.tasks.wait(id, { timeoutMs: 20_000 })
    expect(timedOut).toBe(false)
    expect(task).toMatchObject({ state: 'succeeded', output: 'hello' })
    // A's record of the hand-off is closed once B acknowledged the result.
    await vi.waitFor(() => expect(a.components.tasks.relaySide.outbox(10)).toEqual([]))
    const onA = a.components.tasks.list({ limit: 10 }).tasks.find((t) => t.metadata.remoteId === id)
    expect(onA).toMatchObject({
      state: 'succeeded',
      metadata: { forwardedFrom: b.components.p2p.node?.peerId },
    })
  })

  it('gives the task back to B’s queue when A refuses it (no worker for the kind)', async () => {
    const [submitted] = await b.components.tasks.submit([{ kind: 'wasm', input: {} }])
    const id = submitted!.task.id
    const offered = await b.components.forwarding.offer(id, aPeerId)
    expect(offered).toMatchObject({ ok: false, reason: 'no_capacity' })
    expect(b.components.tasks.get(id)).toMatchObject({
      state: 'queued',
      attempt: 0,
      workerId: null,
      error: { code: 'HANDOFF_FAILED' },
    })
    b.components.tasks.cancel(id)
  })

  it("refuses a task whose required capability none of A's workers has, though they run its kind", async () => {
    const [submitted] = await b.components.tasks.submit([{ kind: 'echo', input: 'x', requires: ['gpu'] }])
    const id = submitted!.task.id
    expect(await b.components.forwarding.offer(id, aPeerId)).toMatchObject({
      ok: false,
      reason: 'no_capacity',
    })
    expect(b.components.tasks.get(id)).toMatchObject({ state: 'queued', attempt: 0 })
    b.components.tasks.cancel(id)
  })

  it('refuses a forwarded task from a peer that is not a member, before reading it', async () => {
    const stranger = await plainNode(await generateKeyPair('Ed25519'))
    try {
      const before = await refusedCount(a, 'not_member')
      const reply = await request(stranger, a, {
        type: 'offer',
        taskId: 'forged',
        fence: 1,
        leaseMs: 30_000,
        task: {
          kind: 'echo',
          input: 'x',
          priority: 0,
          timeoutMs: 1000,
          requires: [],
          trust: { level: 'any' },
        },
      })
      expect(reply).toEqual({ type: 'refused', reason: 'not_member' })
      expect(await refusedCount(a, 'not_member')).toBe(before + 1)
      expect(
        a.components.tasks.list({ limit: 100 }).tasks.some((t) => t.metadata.remoteId === 'forged'),
      ).toBe(false)
    } finally {
      await stranger.stop()
    }
  })

  it('refuses an offer whose input block the owner does not let it fetch', async () => {
    const b2 = await plainNode(bKey)
    try {
      const before = await refusedCount(a, 'input_unavailable')
      const reply = await request(b2, a, {
        type: 'offer',
        taskId: 'no-such-block',
        fence: 1,
        leaseMs: 30_000,
        task: {
          kind: 'echo',
          // The CID of bytes nobody offered: B answers NOT_FOUND, or the forger serves nothing.
          inputCid: 'bafkreif2pall7dybz7vecqka3zo24irdwabwdi4wc55jznaq75q7eaavvu',
          priority: 0,
          timeoutMs: 1000,
          requires: [],
          trust: { level: 'any' },
        },
      })
      expect(reply).toMatchObject({ type: 'refused', reason: 'input_unavailable' })
      expect(await refusedCount(a, 'input_unavailable')).toBe(before + 1)
      expect(
        a.components.tasks.list({ limit: 100 }).tasks.some((t) => t.metadata.remoteId === 'no-such-block'),
      ).toBe(false)
    } finally {
      await stopImpostor(b2, a)
    }
  })

  it('refuses a result naming an output block the runner never stored on it', async () => {
    stall.add('holds')
    const [submitted] = await b.components.tasks.submit([{ kind: 'echo', input: 'holds' }])
    const id = submitted!.task.id
    const offered = await b.components.forwarding.offer(id, aPeerId)
    if (!offered.ok) throw new Error(`offer refused: ${offered.reason} ${offered.detail}`)
    const a2 = await plainNode(aKey)
    try {
      const before = await refusedCount(b, 'output_unavailable')
      const reply = await request(a2, b, {
        type: 'result',
        taskId: id,
        fence: offered.task.leaseToken as number,
        ok: true,
        outputCid: 'bafkreif2pall7dybz7vecqka3zo24irdwabwdi4wc55jznaq75q7eaavvu',
        verification: null,
      })
      expect(reply).toMatchObject({ type: 'refused', reason: 'output_unavailable' })
      expect(await refusedCount(b, 'output_unavailable')).toBe(before + 1)
      expect(b.components.tasks.get(id)).toMatchObject({ state: 'leased', outputCid: null })
    } finally {
      await stopImpostor(a2, b)
      b.components.tasks.cancel(id)
    }
  })

  it('keeps the lease while A renews it, takes the task back when A goes silent, and refuses A’s late result', async () => {
    stall.add('slow')
    const [submitted] = await b.components.tasks.submit([{ kind: 'echo', input: 'slow' }])
    const id = submitted!.task.id
    const offered = await b.components.forwarding.offer(id, aPeerId)
    if (!offered.ok) throw new Error(`offer refused: ${offered.reason} ${offered.detail}`)
    const fence = offered.task.leaseToken as number
    // A renews every third of the 1 s lease: B's lease moves forward while A is alive.
    const firstExpiry = offered.task.leaseExpiresAt as number
    await vi.waitFor(() => expect(b.components.tasks.get(id)?.leaseExpiresAt).toBeGreaterThan(firstExpiry), {
      timeout: 5000,
    })
    expect(b.components.tasks.get(id)).toMatchObject({ workerId: `relay:${aPeerId}`, leaseToken: fence })

    // A goes away: no more renewals, so B takes the task back after the lease.
    await worker.stop()
    await a.close()
    await vi.waitFor(
      () =>
        expect(b.components.tasks.get(id)).toMatchObject({
          state: 'queued',
          error: { code: 'LEASE_EXPIRED' },
        }),
      { timeout: 10_000 },
    )

    // A's key answers late, under the old fence: refused as stale, and the task stays B's.
    const late = await plainNode(aKey)
    try {
      const before = await refusedCount(b, 'stale')
      const reply = await request(late, b, {
        type: 'result',
        taskId: id,
        fence,
        ok: true,
        output: 'slow',
        verification: null,
      })
      expect(reply).toMatchObject({ type: 'refused', reason: 'stale' })
      expect(await refusedCount(b, 'stale')).toBe(before + 1)
      // Not settled by the stale answer. The forwarding pump may already be offering the
      // queued task again (A's key is connected and A's old announcement is current),
      // so it is queued or leased under a newer fence, never finished.
      const after = b.components.tasks.get(id)
      expect(after?.output).toBeUndefined()
      expect(['queued', 'leased']).toContain(after?.state)
      if (after?.state === 'leased') expect(after.leaseToken).toBeGreaterThan(fence)
    } finally {
      await late.stop()
    }
  })
})
