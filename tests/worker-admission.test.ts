import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { scriptedWorker } from './fake-worker.ts'
import { workerHarness } from './fixtures/worker-harness.ts'
import { errorMeta } from './helpers.ts'

const h = workerHarness()
const start = h.start.bind(h)
const peer = () => h.peer()

async function call(tool: string, params: Record<string, unknown>) {
  return h.client.callTool({ name: 'tools_dispatch', arguments: { tool, params } })
}

const JOIN = 'a-join-token-of-sixteen+'
const TOKEN = 'operator-token-for-tests'

describe('worker admission', () => {
  it('in token mode refuses a worker without a valid join token before sending it anything', async () => {
    await start({ workers: { admission: 'token', joinTokens: [JOIN] } })
    await h.relay.components.tasks.submit([{ kind: 'echo', input: 'secret input' }])
    for (const joinToken of [undefined, 'wrong-token-wrong-token']) {
      const s = await (await peer()).open()
      await s.sendHello(joinToken === undefined ? {} : { joinToken })
      const refused = await s.next('error')
      expect(refused.code).toBe('ADMISSION_REFUSED')
      await s.closed
    }
    expect(h.relay.components.tasks.workers({ connectedOnly: true }).length).toBe(0)
    const member = await (await peer()).open()
    const welcome = await member.hello({ joinToken: JOIN })
    expect(welcome.workerId).toBeTruthy()
    expect((await member.next('assign')).tasks[0]?.input).toBe('secret input')
    expect(h.relay.components.tasks.workers({ connectedOnly: true })[0]?.capabilities).toContain(
      'mcpp:member',
    )
  })

  it('in allowlist mode admits only listed PeerIds', async () => {
    const key = await generateKeyPair('Ed25519')
    const listedId = peerIdFromPrivateKey(key).toString()
    await start({ workers: { admission: 'allowlist', allowlist: [listedId] } })
    const stranger = await (await peer()).open()
    await stranger.sendHello()
    expect((await stranger.next('error')).code).toBe('ADMISSION_REFUSED')
    const listed = await h.peer({ privateKey: key })
    const welcome = await (await listed.open()).hello()
    expect(welcome.workerId).toContain(listedId)
  })
})

describe('sensitive calls and untrustworthy workers', () => {
  it("keeps an authenticated client's text_embed off anonymous volunteers unless the operator allows it", async () => {
    await start({ token: TOKEN }, { authorization: `Bearer ${TOKEN}` })
    const volunteer = await scriptedWorker(await peer(), () => ({ output: 'never' }))
    const local = await call('text_embed', { texts: ['private words'] })
    expect(local.isError).toBeFalsy()
    expect((local.structuredContent as any).runtime).toBe('local')
    expect((local.structuredContent as any).verification).toEqual({
      trust: 'relay',
      verified: true,
      workers: [],
    })
    expect(volunteer.assigned).toEqual([])
  })

  it('sends it to a member worker, and says which worker answered', async () => {
    await start({ token: TOKEN, workers: { joinTokens: [JOIN] } }, { authorization: `Bearer ${TOKEN}` })
    const { hashingEmbedding, HASHING_EMBEDDING_MODEL } = await import('../shared/text/hashing-embedding.ts')
    const memberPeer = await peer()
    const member = await scriptedWorker(
      memberPeer,
      (task) => {
        const { texts, dimensions } = task.input as { texts: string[]; dimensions: number }
        return {
          output: {
            model: HASHING_EMBEDDING_MODEL,
            dimensions,
            embeddings: texts.map((t) => Array.from(hashingEmbedding(t, dimensions))),
          },
        }
      },
      { joinToken: JOIN },
    )
    const result = await call('text_embed', { texts: ['private words'] })
    expect(result.isError, JSON.stringify(result)).toBeFalsy()
    expect((result.structuredContent as any).runtime).toBe('p2p')
    expect((result.structuredContent as any).verification).toEqual({
      trust: 'any',
      verified: false,
      workers: [memberPeer.node.peerId.toString()],
    })
    expect(member.assigned).toHaveLength(1)
  })

  it('gives a worker that keeps timing out fewer tasks, then bans it, and runs auto tools locally meanwhile', async () => {
    await start()
    const stallPeer = await peer()
    const staller = await scriptedWorker(stallPeer, () => ({ stall: true }))
    const submitted = await h.relay.components.tasks.submit([
      { kind: 'sha256', input: { text: 'x' }, timeoutMs: 50, maxAttempts: 5 },
    ])
    const id = submitted[0]!.task.id
    await expect
      .poll(() => h.relay.components.tasks.standingOf(stallPeer.node.peerId.toString()).consecutiveTimeouts, {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(1)
    // Not dependable now: text_embed runs on the relay instead of waiting on it.
    const embed = await call('text_embed', { texts: ['hello'] })
    expect((embed.structuredContent as any).runtime).toBe('local')
    await expect
      .poll(() => h.relay.components.tasks.isBanned(stallPeer.node.peerId.toString()), {
        timeout: 10_000,
      })
      .toBe(true)
    await expect.poll(() => stallPeer.node.getConnections().length).toBe(0)
    expect(staller.assigned.filter((t) => t === id).length).toBe(3)
    expect(h.relay.components.tasks.get(id)?.state).toBe('queued')
  })
})

describe('honest results', () => {
  it('a direct call says in _meta where it ran and how it was checked', async () => {
    await start({ expose: 'flat' })
    const result = await h.client.callTool({ name: 'text_hash', arguments: { text: 'abc' } })
    expect(result._meta?.['mcpp/verification']).toEqual({
      runtime: 'local',
      verification: { trust: 'relay', verified: true, workers: [] },
    })
  })
})

describe('task quotas', () => {
  it('refuses a batch that would take an identity over its unfinished-task limit, and queues none of it', async () => {
    await start({ tasks: { maxActivePerIdentity: 5 } })
    const tasks = Array.from({ length: 6 }, (_, i) => ({ kind: 'echo', requires: ['parked'], input: i }))
    const refused = await call('p2p_taskqueue_submit', { tasks })
    expect(refused.isError).toBe(true)
    expect(errorMeta(refused).code).toBe('QUOTA_EXCEEDED')
    expect(h.relay.components.tasks.counts().queued).toBe(0)
    const ok = await call('p2p_taskqueue_submit', { tasks: tasks.slice(0, 5) })
    expect(ok.isError).toBeFalsy()
    const more = await call('p2p_taskqueue_submit', { kind: 'echo', requires: ['parked'], input: 6 })
    expect(errorMeta(more).code).toBe('QUOTA_EXCEEDED')
  })

  it('counts the bytes state-changing calls bring against an hourly budget, reads excepted', async () => {
    await start({ limits: { storedBytesPerHour: { perIdentity: 2000 } } })
    const big = await call('cache_set', { key: 'k', value: 'x'.repeat(3000) })
    expect(errorMeta(big).code).toBe('QUOTA_EXCEEDED')
    const small = await call('cache_set', { key: 'k', value: 'small' })
    expect(small.isError).toBeFalsy()
    const read = await call('cache_get', { key: 'k' })
    expect(read.isError).toBeFalsy()
  })

  it('refuses calls that store data while the data disk is nearly full, and keeps serving reads', async () => {
    await start({ limits: { minFreeDiskMb: 1_000_000_000 } })
    expect(errorMeta(await call('cache_set', { key: 'k', value: 'v' })).code).toBe('QUOTA_EXCEEDED')
    expect((await call('cache_get', { key: 'k' })).isError).toBeFalsy()
  })
})
