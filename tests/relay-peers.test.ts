import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { connectClient, startTestRelay } from './helpers.ts'

let first: RunningRelay
let second: RunningRelay

beforeAll(async () => {
  first = await startTestRelay()
  const address = first.components.p2p.node?.multiaddrs()[0] as string
  second = await startTestRelay({ bootstrapPeers: [address] })
  // The second relay dials its bootstrap peer in the background; identify then tells it
  // which protocols the first relay speaks.
  await vi.waitFor(
    async () => {
      const peer = await second.components.p2p.node?.libp2p.peerStore.get(
        first.components.p2p.node!.libp2p.peerId,
      )
      if (!peer?.protocols.includes('/mcpp/announce/1.0.0')) throw new Error('not identified yet')
    },
    { timeout: 20_000, interval: 20 },
  )
})
afterAll(async () => {
  await second?.close()
  await first?.close()
})

describe('relays that know each other', () => {
  it('publish their capacity over /mcpp/announce/1.0.0 and list each other', async () => {
    const client = await connectClient(second.url)
    try {
      const announced = await client.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'p2p_taskqueue_announce', params: {} },
      })
      expect((announced.structuredContent as any).result).toMatchObject({
        notified: 1,
        capacity: { workers: 0, queued: 0 },
      })
      const firstClient = await connectClient(first.url)
      const peers = await firstClient.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'p2p_taskqueue_discover_peers', params: {} },
      })
      const { relays } = (peers.structuredContent as any).result
      expect(relays).toHaveLength(1)
      expect(relays[0]).toMatchObject({
        peerId: second.components.p2p.node?.peerId,
        capacity: { workers: 0, slots: 0, freeSlots: 0, queued: 0 },
      })
      expect(relays[0].multiaddrs[0]).toContain('/ws')
      await firstClient.close()
    } finally {
      await client.close()
    }
  })
})
