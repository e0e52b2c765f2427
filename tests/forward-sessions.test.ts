import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { handleForwarding } from '../relay/forwarding/forward-handler.ts'
import { ForwardSessions } from '../relay/forwarding/forward-sessions.ts'
import {
  FORWARD_PROTOCOL,
  type ForwardFrame,
  type ForwardReply,
  type ForwardRequest,
  MAX_OPEN_FORWARD_REQUESTS,
} from '../shared/wire/forward-messages.ts'
import { encodeFrame } from '../shared/wire/frame-decoder.ts'

/**
 * `/mcpp/forward/2.0.0` between two real libp2p nodes: the requesting side
 * (forward-sessions.ts) and the serving side (forward-handler.ts), with answers the test
 * controls. The relay-level behaviour (offers, results, fencing) is in relay-forwarding*.
 */
let server: Libp2p
let client: Libp2p
let sessions: ForwardSessions
let streams = 0
const refusals: string[] = []
/** Answers by the request's task id; a missing entry never answers. */
const answers = new Map<string, () => ForwardReply | Promise<ForwardReply>>()
let member = true

const node = () =>
  createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    connectionGater: { denyDialMultiaddr: () => false },
  })

const cancel = (taskId: string): ForwardFrame => ({ type: 'cancel', taskId, fence: 1, reason: 'test' })
const taskIdOf = (request: ForwardRequest) => ('taskId' in request ? request.taskId : '')

beforeEach(async () => {
  streams = 0
  refusals.length = 0
  answers.clear()
  member = true
  server = await node()
  client = await node()
  await handleForwarding(server, {
    isMember: () => member,
    answer: (_peer, request) => answers.get(taskIdOf(request))?.() ?? new Promise(() => {}),
    refused: (_peer, reason) => refusals.push(reason),
  })
  await client.dial(server.getMultiaddrs()[0] as never)
  sessions = new ForwardSessions(client)
  // Count the streams the server is asked to open for the protocol.
  const original = client.dialProtocol.bind(client)
  client.dialProtocol = ((...args: Parameters<Libp2p['dialProtocol']>) => {
    streams++
    return original(...args)
  }) as Libp2p['dialProtocol']
})
afterEach(async () => {
  sessions.close()
  await client.stop()
  await server.stop()
})

describe('forward requests on one long-lived stream', () => {
  it('answers many requests on one stream, each under its own id, in the order they are ready', async () => {
    let releaseFirst: (reply: ForwardReply) => void = () => {}
    answers.set('first', () => new Promise((resolve) => (releaseFirst = resolve)))
    answers.set('second', () => ({ type: 'accepted' }))
    answers.set('third', () => ({ type: 'refused', reason: 'stale' }))
    const first = sessions.request(server.peerId, cancel('first'))
    const second = await sessions.request(server.peerId, cancel('second'))
    const third = await sessions.request(server.peerId, cancel('third'))
    expect([second, third]).toEqual([{ type: 'accepted' }, { type: 'refused', reason: 'stale' }])
    releaseFirst({ type: 'refused', reason: 'not_found' })
    expect(await first).toEqual({ type: 'refused', reason: 'not_found' })
    expect(streams).toBe(1)
  })

  it('fails only the request that is not answered in time; the stream serves the next one', async () => {
    answers.set('fast', () => ({ type: 'accepted' }))
    await expect(sessions.request(server.peerId, cancel('never'), { timeoutMs: 200 })).rejects.toMatchObject({
      name: 'TimeoutError',
    })
    expect(await sessions.request(server.peerId, cancel('fast'))).toEqual({ type: 'accepted' })
    expect(streams).toBe(1)
  })

  it('fails the waiting requests when the stream breaks, and opens a new one for the next', async () => {
    const waiting = sessions.request(server.peerId, cancel('never'))
    // Wait until the server holds the stream, then reset it from the server side.
    let open: { abort(err: Error): void } | undefined
    while (open === undefined) {
      await new Promise((resolve) => setImmediate(resolve))
      open = server.getConnections()[0]?.streams.find((s) => s.protocol === FORWARD_PROTOCOL)
    }
    open.abort(new Error('server gone'))
    await expect(waiting).rejects.toThrow()
    answers.set('after', () => ({ type: 'accepted' }))
    expect(await sessions.request(server.peerId, cancel('after'))).toEqual({ type: 'accepted' })
    expect(streams).toBe(2)
  })

  it('gives every waiting request the refusal of a non-member, read or not', async () => {
    member = false
    const replies = await Promise.all([
      sessions.request(server.peerId, cancel('one')),
      sessions.request(server.peerId, cancel('two')),
    ])
    expect(replies).toEqual([
      { type: 'refused', reason: 'not_member' },
      { type: 'refused', reason: 'not_member' },
    ])
    expect(refusals).toEqual(['not_member'])
  })

  it('refuses a stream-wide answer that is not a refusal: a member cannot accept requests it never read', async () => {
    // A node that answers anything on the protocol with `accepted` under rid 0.
    const liar = await node()
    await liar.handle(FORWARD_PROTOCOL, (stream) => {
      stream.send(
        encodeFrame(new TextEncoder().encode(JSON.stringify({ rid: 0, reply: { type: 'accepted' } }))),
      )
    })
    await client.dial(liar.getMultiaddrs()[0] as never)
    try {
      await expect(sessions.request(liar.peerId, cancel('one'))).rejects.toThrow(/rid 0 can only refuse/)
    } finally {
      await liar.stop()
    }
  })

  it(`cuts off a member that keeps more than ${MAX_OPEN_FORWARD_REQUESTS} requests waiting`, async () => {
    // The client itself refuses to queue that many…
    const waiting = Array.from({ length: MAX_OPEN_FORWARD_REQUESTS }, (_, i) =>
      sessions.request(server.peerId, cancel(`never-${i}`)).catch((err: Error) => err),
    )
    await expect(sessions.request(server.peerId, cancel('one too many'))).rejects.toThrow(/already wait/)
    // …and a client that does not is cut off by the server.
    const stream = await client.dialProtocol(server.getMultiaddrs()[0] as never, FORWARD_PROTOCOL)
    const frame = (rid: number) =>
      encodeFrame(new TextEncoder().encode(JSON.stringify({ rid, request: cancel(`flood-${rid}`) })))
    const closed = new Promise<void>((resolve) => stream.addEventListener('close', () => resolve()))
    for (let rid = 1; rid <= MAX_OPEN_FORWARD_REQUESTS + 1; rid++) stream.send(frame(rid))
    await closed
    expect(refusals).toContain('too_many_requests')
    sessions.close()
    expect((await Promise.all(waiting)).every((r) => r instanceof Error)).toBe(true)
  })
})
