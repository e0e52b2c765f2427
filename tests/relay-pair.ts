import { vi } from 'vitest'
import type { RelayConfigInput } from '../relay/config/schema.ts'
import type { RunningRelay } from '../relay/relay.ts'
import { startTestRelay } from './helpers.ts'
import { type Identity, identity } from './relay-identity.ts'

/** A and B list each other as bootstrap peers and members. */
export function pairConfig(self: Identity, other: Identity): RelayConfigInput {
  return {
    dataDir: self.dataDir,
    p2pPort: self.p2pPort,
    host: '127.0.0.1',
    bootstrapPeers: [other.address],
    relays: { members: [other.peerId] },
  }
}

export const relayStatus = async (relay: RunningRelay): Promise<any> =>
  (await fetch(`${relay.url}/api/status`)).json()

export interface RelayPair {
  a: Identity
  b: Identity
  relayA: RunningRelay
  relayB: RunningRelay
}

/**
 * Two member relays, A and B, connected; returns once A has heard B's announcement
 * (with its addresses), so a worker that says hello to A learns B.
 */
export async function startRelayPair(): Promise<RelayPair> {
  const a = await identity()
  const b = await identity()
  const [relayA, relayB] = await Promise.all([
    startTestRelay(pairConfig(a, b)),
    startTestRelay(pairConfig(b, a)),
  ])
  await vi.waitFor(
    async () => {
      const listed = (await relayStatus(relayA)).relays.map((r: any) => r.peerId)
      if (!listed.includes(b.peerId)) throw new Error('A has not heard from B yet')
    },
    { timeout: 20_000, interval: 50 },
  )
  return { a, b, relayA, relayB }
}
