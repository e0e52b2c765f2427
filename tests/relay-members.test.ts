import { spawn } from 'node:child_process'
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
import type { Logger } from '../relay/log.ts'
import type { RunningRelay } from '../relay/relay.ts'
import { ANNOUNCE_PROTOCOL, type AnnounceReply, announceReply } from '../shared/wire/announce-messages.ts'
import { encodeFrame } from '../shared/wire/frame-decoder.ts'
import { framedChannel } from '../shared/wire/framed-channel.ts'
import { connectClient, startTestRelay } from './helpers.ts'
import { identity } from './relay-identity.ts'

const MAIN = join(import.meta.dirname, '..', 'relay', 'main.ts')

/** A plain js-libp2p node (no MCP++ code), the way an outsider would dial a relay. */
function plainNode(privateKey: PrivateKey): Promise<Libp2p> {
  return createLibp2p({
    privateKey,
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  })
}

const addressOf = (relay: RunningRelay) => relay.components.p2p.node?.multiaddrs()[0] as string
const peerIdOf = (relay: RunningRelay) => relay.components.p2p.node?.peerId as string

type RawOutcome = { reply: AnnounceReply } | { reset: string }

/** Opens one announce stream to `relay`, sends `frame` (a message, or raw bytes) and reads the answer. */
async function announceRaw(node: Libp2p, relay: RunningRelay, frame: unknown): Promise<RawOutcome> {
  const stream = await node.dialProtocol(multiaddr(addressOf(relay)), ANNOUNCE_PROTOCOL)
  return new Promise((resolve) => {
    let reply: AnnounceReply | undefined
    const channel = framedChannel<AnnounceReply, unknown>(stream, {
      inbound: announceReply,
      maxMessageBytes: 4096,
      onMessage: (message) => {
        reply = message
        channel.close()
      },
      onClose: (error) =>
        resolve(reply ? { reply } : { reset: error?.message ?? 'closed without an answer' }),
    })
    if (frame instanceof Uint8Array) stream.send(frame)
    else void channel.send(frame)
  })
}

const announcement = (capacity: Record<string, unknown>, multiaddrs: string[] = []) => ({
  type: 'capacity',
  multiaddrs,
  capacity: { workers: 1, slots: 4, freeSlots: 2, kinds: ['echo'], queued: 0, ...capacity },
})

async function dispatch(relay: RunningRelay, tool: string): Promise<any> {
  const client = await connectClient(relay.url)
  try {
    const result = await client.callTool({ name: 'tools_dispatch', arguments: { tool, params: {} } })
    if (result.isError) throw new Error(JSON.stringify(result.content))
    return (result.structuredContent as { result: unknown }).result
  } finally {
    await client.close()
  }
}

const listedIn = async (relay: RunningRelay) => ({
  discovered: (await dispatch(relay, 'p2p_taskqueue_discover_peers')).relays.map((r: any) => r.peerId),
  status: ((await (await fetch(`${relay.url}/api/status`)).json()) as any).relays.map((r: any) => r.peerId),
})

async function refusedCount(relay: RunningRelay, reason: string): Promise<number> {
  const text = await (await fetch(`${relay.url}/metrics`)).text()
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`mcpp_relay_announcements_refused_total{reason="${reason}"}`))
  return Number(line?.split(' ')[1] ?? Number.NaN)
}

/** Waits until identify has told `relay` that `other` speaks the announce protocol. */
async function identified(relay: RunningRelay, other: RunningRelay): Promise<void> {
  await vi.waitFor(
    async () => {
      const node = relay.components.p2p.node!
      const peer = await node.libp2p.peerStore.get(other.components.p2p.node!.libp2p.peerId)
      const connected = node.libp2p.getConnections(other.components.p2p.node!.libp2p.peerId).length > 0
      if (!connected || !peer.protocols.includes(ANNOUNCE_PROTOCOL)) throw new Error('not identified yet')
    },
    { timeout: 20_000, interval: 20 },
  )
}

/** What relay A logs at warn level and above. */
const warnings: Record<string, unknown>[] = []
const recordWarnings: Logger = {
  debug: () => {},
  info: () => {},
  warn: (message, data) => warnings.push({ message, ...data }),
  error: (message, data) => warnings.push({ message, ...data }),
}

let a: RunningRelay
let b: RunningRelay
let aDataDir: string
let memberKey: PrivateKey
let memberNode: Libp2p
let strangerNode: Libp2p

beforeAll(async () => {
  const aId = await identity()
  const bId = await identity()
  aDataDir = aId.dataDir
  memberKey = await generateKeyPair('Ed25519')
  const rogueMember = peerIdFromPrivateKey(memberKey).toString()
  a = await startTestRelay(
    { dataDir: aId.dataDir, relays: { members: [bId.peerId, rogueMember] } },
    { log: recordWarnings },
  )
  b = await startTestRelay({
    dataDir: bId.dataDir,
    bootstrapPeers: [addressOf(a)],
    relays: { members: [aId.peerId] },
  })
  await identified(b, a)
  await identified(a, b)
  memberNode = await plainNode(memberKey)
  strangerNode = await plainNode(await generateKeyPair('Ed25519'))
})
afterAll(async () => {
  await strangerNode?.stop()
  await memberNode?.stop()
  await b?.close()
  await a?.close()
})

describe('member relays', () => {
  it('exchange announcements and list each other, with the age of what they heard', async () => {
    const fromB = await dispatch(b, 'p2p_taskqueue_announce')
    expect(fromB).toMatchObject({ notified: 1, refused: [], failed: [], capacity: { workers: 0, queued: 0 } })
    const fromA = await dispatch(a, 'p2p_taskqueue_announce')
    expect(fromA).toMatchObject({ notified: 1, refused: [], failed: [] })

    const seenByA = (await dispatch(a, 'p2p_taskqueue_discover_peers')).relays
    expect(seenByA).toHaveLength(1)
    expect(seenByA[0]).toMatchObject({
      peerId: peerIdOf(b),
      capacity: { workers: 0, slots: 0, freeSlots: 0, kinds: [], queued: 0 },
    })
    expect(seenByA[0].multiaddrs[0]).toContain('/ws')
    expect(seenByA[0].ageMs).toBeGreaterThanOrEqual(0)
    expect(seenByA[0].lastSeen).toBeTypeOf('number')
    expect(await listedIn(b)).toEqual({ discovered: [peerIdOf(a)], status: [peerIdOf(a)] })
  })

  it('refuse a non-member announcing 999,999 free slots before reading it, count it, and list it nowhere', async () => {
    const before = await refusedCount(a, 'not_member')
    const outcome = await announceRaw(
      strangerNode,
      a,
      announcement({ workers: 1024, slots: 999_999, freeSlots: 999_999 }),
    )
    expect(outcome).toEqual({ reply: { type: 'refused', reason: 'not_member' } })
    expect(await refusedCount(a, 'not_member')).toBe(before + 1)
    expect(warnings).toContainEqual(
      expect.objectContaining({
        message: 'relay announcement refused',
        peerId: strangerNode.peerId.toString(),
        reason: 'not_member',
      }),
    )
    expect(await listedIn(a)).toEqual({ discovered: [peerIdOf(b)], status: [peerIdOf(b)] })
  })

  it('refuse malformed and absurd announcements from a member without crashing, and accept a sound one', async () => {
    const reasons = ['not_json', 'oversized', 'invalid_message', 'inconsistent_capacity', 'foreign_address']
    const before = Object.fromEntries(
      await Promise.all(reasons.map(async (r) => [r, await refusedCount(a, r)])),
    )
    const stranger = strangerNode.peerId.toString()
    const raw = (text: string) => encodeFrame(new TextEncoder().encode(text)).subarray()
    const huge = Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x01) // a length prefix of 2^28 bytes

    expect(await announceRaw(memberNode, a, raw('{"type":"capacity",'))).toHaveProperty('reset')
    expect(await announceRaw(memberNode, a, huge)).toHaveProperty('reset')
    expect(
      await announceRaw(memberNode, a, announcement({ workers: 1024, slots: 999_999, freeSlots: 999_999 })),
    ).toHaveProperty('reset')
    expect(await announceRaw(memberNode, a, { ...announcement({}), extra: true })).toHaveProperty('reset')
    expect(await announceRaw(memberNode, a, announcement({ slots: 4, freeSlots: 5 }))).toMatchObject({
      reply: { type: 'refused', reason: 'inconsistent_capacity' },
    })
    const elsewhere = `/ip4/127.0.0.1/tcp/9/ws/p2p/${stranger}`
    expect(await announceRaw(memberNode, a, announcement({}, [elsewhere]))).toMatchObject({
      reply: { type: 'refused', reason: 'foreign_address' },
    })

    const expected = {
      not_json: 1,
      oversized: 1,
      invalid_message: 2,
      inconsistent_capacity: 1,
      foreign_address: 1,
    }
    for (const [reason, n] of Object.entries(expected)) {
      expect(await refusedCount(a, reason), reason).toBe(before[reason] + n)
    }
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200)
    expect(await listedIn(a)).toEqual({ discovered: [peerIdOf(b)], status: [peerIdOf(b)] })

    // The same member with a sound announcement is heard: the refusals were about content.
    expect(await announceRaw(memberNode, a, announcement({}))).toEqual({ reply: { type: 'accepted' } })
    const { discovered } = await listedIn(a)
    expect(discovered.sort()).toEqual([peerIdOf(b), memberNode.peerId.toString()].sort())
  })

  it('forget a relay removed from the members on restart, and refuse what it announces next', async () => {
    await a.close()
    a = await startTestRelay({ dataDir: aDataDir, relays: { members: [] } })
    expect(await listedIn(a)).toEqual({ discovered: [], status: [] })

    await b.components.p2p.node!.libp2p.dial(multiaddr(addressOf(a)))
    await identified(b, a)
    const fromB = await dispatch(b, 'p2p_taskqueue_announce')
    expect(fromB).toMatchObject({ notified: 0, refused: [{ peerId: peerIdOf(a), reason: 'not_member' }] })
    // B also announces on its own (on identify, on a timer): each one is refused.
    expect(await refusedCount(a, 'not_member')).toBeGreaterThanOrEqual(1)
    expect(await listedIn(a)).toEqual({ discovered: [], status: [] })
  })
})

describe('relays.members configuration', () => {
  it('stops start-up with status 2 naming a member that is not a PeerId', async () => {
    const good = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', MAIN], {
      env: {
        ...process.env,
        MCPP_DATA_DIR: mkdtempSync(join(tmpdir(), 'mcpp-members-')),
        MCPP_RELAY_MEMBERS: `${good},12D3KooWnotapeer`,
      },
    })
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const code = await new Promise((resolve) => child.on('close', resolve))
    expect(code).toBe(2)
    expect(stderr).toContain("'relays.members.1'")
    expect(stderr).toContain('MCPP_RELAY_MEMBERS')
    expect(stderr).toContain('"12D3KooWnotapeer" is not a libp2p PeerId')
  })
})
