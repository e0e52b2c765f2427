import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RelayConfigInput } from '../relay/config/schema.ts'
import type { Logger } from '../relay/log.ts'
import type { RunningRelay } from '../relay/relay.ts'
import { type FakeWorker, fakeWorker } from './fake-worker.ts'
import { connectClient, startTestRelay } from './helpers.ts'
import { type Identity, identity } from './relay-identity.ts'

async function status(relay: RunningRelay): Promise<any> {
  return (await fetch(`${relay.url}/api/status`)).json()
}

/** What `relay` knows of `peerId` in /api/status, if anything. */
async function viewOf(relay: RunningRelay, peerId: string): Promise<any> {
  return (await status(relay)).relays.find((r: any) => r.peerId === peerId)
}

const linkOf = async (relay: RunningRelay, peerId: string) =>
  (await status(relay)).network.links.find((l: any) => l.peerId === peerId)

/** Polls until `check` passes (it throws until then), for at most `timeout` ms. */
const eventually = <T>(check: () => Promise<T>, timeout = 20_000) =>
  vi.waitFor(check, { timeout, interval: 50 })

/** What relays log at warn level and above. */
const warnings: Record<string, unknown>[] = []
const recordWarnings: Logger = {
  debug: () => {},
  info: () => {},
  warn: (message, data) => warnings.push({ message, ...data }),
  error: (message, data) => warnings.push({ message, ...data }),
}

let ids: Record<'a' | 'b' | 'c' | 'd', Identity>
const relays: Partial<Record<'a' | 'b' | 'c' | 'd', RunningRelay | undefined>> = {}
const others: RunningRelay[] = []
let worker: FakeWorker | undefined

/**
 * A, B and C list each other as bootstrap peers and members. Their timer is an hour,
 * so every announcement the tests see comes from a change or a new connection.
 */
function trioConfig(name: 'a' | 'b' | 'c'): RelayConfigInput {
  const rest = (['a', 'b', 'c'] as const).filter((n) => n !== name).map((n) => ids[n])
  return {
    dataDir: ids[name].dataDir,
    p2pPort: ids[name].p2pPort,
    bootstrapPeers: rest.map((r) => r.address),
    relays: {
      members: [...rest.map((r) => r.peerId), ...(name === 'a' ? [ids.d.peerId] : [])],
      announceIntervalSeconds: 3600,
    },
  }
}

beforeAll(async () => {
  ids = { a: await identity(), b: await identity(), c: await identity(), d: await identity() }
  // Started together: each is down when the first ones dial it, so the links come up by redial.
  const [a, b, c] = await Promise.all([
    startTestRelay(trioConfig('a')),
    startTestRelay(trioConfig('b')),
    startTestRelay(trioConfig('c')),
  ])
  Object.assign(relays, { a, b, c })
}, 60_000)

afterAll(async () => {
  await worker?.stop()
  for (const relay of [...Object.values(relays), ...others]) await relay?.close()
})

describe('a network of relays', () => {
  it('three relays started with each other as bootstrap peers list the other two, with capacity, age and a live link', async () => {
    for (const [name, relay] of Object.entries(relays) as ['a' | 'b' | 'c', RunningRelay][]) {
      const expected = (['a', 'b', 'c'] as const).filter((n) => n !== name).map((n) => ids[n].peerId)
      await eventually(async () => {
        const listed = (await status(relay)).relays
        expect(listed.map((r: any) => r.peerId).sort()).toEqual([...expected].sort())
        for (const r of listed) {
          expect(r.capacity).toMatchObject({ workers: 0, slots: 0, freeSlots: 0, kinds: [], queued: 0 })
          expect(r.ageMs).toBeGreaterThanOrEqual(0)
          expect(r.link).toMatchObject({ state: 'connected', source: 'bootstrap-peers' })
        }
      })
    }
    const client = await connectClient(relays.a!.url)
    try {
      const result = await client.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'p2p_taskqueue_discover_peers', params: {} },
      })
      const listed = (result.structuredContent as any).result.relays
      expect(listed).toHaveLength(2)
      for (const r of listed) expect(r.link).toMatchObject({ state: 'connected' })
    } finally {
      await client.close()
    }
    const { network } = await status(relays.a!)
    expect(network).toMatchObject({
      discovery: { bootstrapPeers: 2, peersFile: null, mdns: false },
      problems: [],
      announceIntervalMs: 3_600_000,
    })
  })

  it("a worker joining A changes B's view of A without any tool call, and so does its leaving", async () => {
    worker = await fakeWorker(relays.a!.url)
    const stream = await worker.open()
    await stream.hello({ kinds: ['echo', 'sha256'], concurrency: 2 })
    await eventually(async () => {
      expect((await viewOf(relays.b!, ids.a.peerId)).capacity).toMatchObject({
        workers: 1,
        slots: 2,
        freeSlots: 2,
        kinds: ['echo', 'sha256'],
        queued: 0,
        inFlight: 0,
        byKind: [
          { kind: 'echo', workers: 1, freeSlots: 2 },
          { kind: 'sha256', workers: 1, freeSlots: 2 },
        ],
      })
    })
    await worker.stop()
    worker = undefined
    await eventually(async () => {
      expect((await viewOf(relays.c!, ids.a.peerId)).capacity).toMatchObject({ workers: 0, kinds: [] })
    })
  })

  it('a relay that stops is redialled, with the error, and reconnected when it returns on the same ports', async () => {
    const c = relays.c!
    const before = (await viewOf(relays.a!, ids.c.peerId)).lastSeen
    const httpPort = c.components.http.port
    await c.close()
    relays.c = undefined
    await eventually(async () => {
      const link = await linkOf(relays.a!, ids.c.peerId)
      expect(link).toMatchObject({ state: 'redialling', lastError: expect.any(String) })
      expect(link.failedDials).toBeGreaterThanOrEqual(1)
    })
    expect((await linkOf(relays.b!, ids.c.peerId)).state).toBe('redialling')

    relays.c = await startTestRelay({ ...trioConfig('c'), port: httpPort })
    for (const relay of [relays.a!, relays.b!]) {
      await eventually(async () => {
        const view = await viewOf(relay, ids.c.peerId)
        expect(view.link).toMatchObject({ state: 'connected' })
        expect(view.link.lastError).toBeUndefined()
        expect(view.lastSeen).toBeGreaterThan(before)
      }, 30_000)
    }
  }, 60_000)

  it('a peers file with a bad entry names it, connects the good one and makes its members, and announces on a timer', async () => {
    const file = join(ids.d.dataDir, 'peers.json')
    const bad = '/ip4/127.0.0.1/tcp/1/ws'
    writeFileSync(file, JSON.stringify({ peers: [bad, { multiaddr: ids.a.address, member: true }] }))
    const d = await startTestRelay(
      {
        dataDir: ids.d.dataDir,
        p2pPort: ids.d.p2pPort,
        relays: { peersFile: file, announceIntervalSeconds: 0.2 },
      },
      { log: recordWarnings },
    )
    relays.d = d
    const { network } = await status(d)
    expect(network.discovery).toEqual({ bootstrapPeers: 0, peersFile: file, mdns: false })
    expect(network.members).toBe(1)
    expect(network.problems).toEqual([
      { source: `peers-file ${file}`, entry: `#0 ${bad}`, error: expect.stringContaining('/p2p/<PeerId>') },
    ])
    expect(warnings).toContainEqual(
      expect.objectContaining({ message: 'relay peer entry skipped', entry: `#0 ${bad}` }),
    )
    await eventually(async () => {
      expect(await linkOf(d, ids.a.peerId)).toMatchObject({ state: 'connected', source: 'peers-file' })
      // A is a member of D by the file, and D of A by A's config: each hears the other.
      expect(await viewOf(d, ids.a.peerId)).toBeDefined()
      expect(await viewOf(relays.a!, ids.d.peerId)).toBeDefined()
    })
    // Nothing changes on D, yet A keeps hearing from it: the timer.
    const first = (await viewOf(relays.a!, ids.d.peerId)).lastSeen
    await eventually(async () => {
      expect((await viewOf(relays.a!, ids.d.peerId)).lastSeen).toBeGreaterThan(first)
    })
  })

  it('a peers file that is not JSON is reported and the relay starts anyway', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mcpp-network-')), 'peers.json')
    writeFileSync(file, '{"peers": [')
    const e = await startTestRelay({ relays: { peersFile: file } })
    others.push(e)
    expect((await fetch(`${e.url}/healthz`)).status).toBe(200)
    const { network } = await status(e)
    expect(network.problems).toEqual([
      { source: `peers-file ${file}`, entry: 'file', error: expect.stringContaining('not valid JSON') },
    ])
    expect(network.links).toEqual([])
  })

  it('a missing peers file is reported the same way', async () => {
    const file = join(tmpdir(), 'mcpp-no-such-dir', 'peers.json')
    const e = await startTestRelay({ relays: { peersFile: file } })
    others.push(e)
    expect((await status(e)).network.problems).toEqual([
      { source: `peers-file ${file}`, entry: 'file', error: expect.stringContaining('ENOENT') },
    ])
  })
})

describe('mDNS', () => {
  it('two member relays with --mdns and no addresses find and connect to each other', async () => {
    const x = await identity()
    const y = await identity()
    const config = (self: Identity, other: Identity): RelayConfigInput => ({
      dataDir: self.dataDir,
      p2pPort: self.p2pPort,
      relays: { mdns: true, members: [other.peerId] },
    })
    const rx = await startTestRelay(config(x, y))
    others.push(rx)
    const ry = await startTestRelay(config(y, x))
    others.push(ry)
    expect((await status(rx)).network.discovery).toMatchObject({ mdns: true, bootstrapPeers: 0 })
    await eventually(async () => {
      expect(await linkOf(rx, y.peerId)).toMatchObject({ state: 'connected', source: 'mdns' })
      expect(await viewOf(ry, x.peerId)).toBeDefined()
    }, 15_000)
  })
})
