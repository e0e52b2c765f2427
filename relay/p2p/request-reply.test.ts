import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { MAX_REQUESTS_PER_PEER, requestReply } from './request-reply.ts'

const spec = { protocol: '/test/1.0.0', reply: z.object({}), maxReplyBytes: 1024, timeoutMs: 10_000 }

/** A node whose dials hang until the test fails them, one by one. */
function hangingNode() {
  const dialed: string[] = []
  const fail: Array<(err: Error) => void> = []
  const hangUp = vi.fn(async (_peer: PeerId) => {})
  const node = {
    dialProtocol: (peer: PeerId) => {
      dialed.push(peer.toString())
      return new Promise((_resolve, reject) => fail.push(reject))
    },
    hangUp,
  } as unknown as Libp2p
  return { node, dialed, fail, hangUp }
}

let p: PeerId
let q: PeerId
beforeAll(async () => {
  p = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  q = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
})

describe('requests to one peer', () => {
  it('are sent a few at a time: the others wait their turn, and other peers do not wait', async () => {
    const { node, dialed, fail } = hangingNode()
    const calls = Array.from({ length: MAX_REQUESTS_PER_PEER + 2 }, () =>
      requestReply(node, p, spec, {}).catch((err: Error) => err),
    )
    const other = requestReply(node, q, spec, {}).catch((err: Error) => err)
    await vi.waitFor(() => expect(dialed).toHaveLength(MAX_REQUESTS_PER_PEER + 1))
    expect(dialed.filter((d) => d === p.toString())).toHaveLength(MAX_REQUESTS_PER_PEER)
    // One ends (here with an error): the next waiting request takes its turn.
    fail[0]?.(new Error('unreachable'))
    await vi.waitFor(() => expect(dialed).toHaveLength(MAX_REQUESTS_PER_PEER + 2))
    expect(dialed.at(-1)).toBe(p.toString())
    for (let i = 1; i < MAX_REQUESTS_PER_PEER + 3; i++) {
      await vi.waitFor(() => expect(fail.length).toBeGreaterThan(i))
      fail[i]?.(new Error('unreachable'))
    }
    for (const outcome of await Promise.all([...calls, other])) expect(outcome).toBeInstanceOf(Error)
  })

  it('give up waiting for a turn when their signal aborts', async () => {
    const { node, dialed, fail } = hangingNode()
    const busy = Array.from({ length: MAX_REQUESTS_PER_PEER }, () =>
      requestReply(node, p, spec, {}).catch((err: Error) => err),
    )
    const controller = new AbortController()
    const waiting = requestReply(node, p, spec, {}, { signal: controller.signal })
    controller.abort(new Error('the caller left'))
    await expect(waiting).rejects.toThrow('the caller left')
    for (const f of fail) f(new Error('unreachable'))
    await Promise.all(busy)
    // The aborted one never dialled, and gave its place back.
    expect(dialed).toHaveLength(MAX_REQUESTS_PER_PEER)
  })

  it('drop a connection whose muxer closed but which libp2p still holds open, so the next one dials afresh', async () => {
    const { node, fail, hangUp } = hangingNode()
    const closed = requestReply(node, p, spec, {})
    await vi.waitFor(() => expect(fail).toHaveLength(1))
    fail[0]?.(Object.assign(new Error('The connection muxer is "closed"'), { name: 'ConnectionClosedError' }))
    await expect(closed).rejects.toThrow('muxer')
    expect(hangUp).toHaveBeenCalledWith(p)

    const refused = requestReply(node, p, spec, {})
    await vi.waitFor(() => expect(fail).toHaveLength(2))
    fail[1]?.(new Error('connection refused'))
    await expect(refused).rejects.toThrow('refused')
    expect(hangUp).toHaveBeenCalledTimes(1)
  })
})
