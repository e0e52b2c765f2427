import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { dialProtocol } from './dial-protocol.ts'

/** A node whose dials fail with the errors the test gives, in order. */
function failingNode(errors: Error[]) {
  const hangUp = vi.fn(async (_peer: PeerId) => {})
  const node = {
    dialProtocol: async () => {
      throw errors.shift()
    },
    hangUp,
  } as unknown as Libp2p
  return { node, hangUp }
}

let p: PeerId
beforeAll(async () => {
  p = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
})

describe('opening a protocol stream', () => {
  it('drops a connection whose muxer closed but which libp2p still holds open, so the next one dials afresh', async () => {
    const closed = Object.assign(new Error('The connection muxer is "closed"'), {
      name: 'ConnectionClosedError',
    })
    const { node, hangUp } = failingNode([closed, new Error('connection refused')])
    await expect(dialProtocol(node, p, '/test/1.0.0')).rejects.toThrow('muxer')
    expect(hangUp).toHaveBeenCalledWith(p)
    // Any other failure leaves the connections alone.
    await expect(dialProtocol(node, p, '/test/1.0.0')).rejects.toThrow('refused')
    expect(hangUp).toHaveBeenCalledTimes(1)
  })
})
