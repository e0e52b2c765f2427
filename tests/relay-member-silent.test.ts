import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { ANNOUNCE_PROTOCOL } from '../shared/wire/announce-messages.ts'
import { connectClient, startTestRelay } from './helpers.ts'

/**
 * The relay runs no libp2p pings (create-relay-node.ts): a member relay whose link is
 * open but that no longer answers is found by its unanswered announcement, and hung up
 * on so that the link keeper can redial it.
 */
let relay: RunningRelay | undefined
let member: Libp2p | undefined
afterEach(async () => {
  await member?.stop()
  await relay?.close()
  member = relay = undefined
})

describe('a member relay that stops answering on an open link', () => {
  it('is hung up on when it leaves an announcement unanswered', async () => {
    const key = await generateKeyPair('Ed25519')
    relay = await startTestRelay({ relays: { members: [peerIdFromPrivateKey(key).toString()] } })
    // A member that says it speaks the announce protocol, reads announcements and never answers.
    member = await createLibp2p({
      privateKey: key,
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
    })
    let announcements = 0
    await member.handle(ANNOUNCE_PROTOCOL, () => {
      announcements++
    })
    const closed = new Promise<void>((resolve) =>
      member?.addEventListener('connection:close', () => resolve(), { once: true }),
    )
    await member.dial(multiaddr(relay.components.p2p.node?.multiaddrs()[0] as string))

    const client = await connectClient(relay.url)
    const result = await client.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'p2p_taskqueue_announce', params: {} },
    })
    await client.close()
    const outcome = (
      result.structuredContent as { result: { notified: number; failed: { error: string }[] } }
    ).result
    expect(outcome.notified).toBe(0)
    expect(outcome.failed).toHaveLength(1)
    expect(announcements).toBeGreaterThanOrEqual(1)
    await closed
    expect(member.getConnections()).toEqual([])
  }, 30_000)
})
