import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { vi } from 'vitest'
import type { RelayConfigInput } from '../relay/config/schema.ts'
import { loadOrCreatePeerKey } from '../relay/p2p/peer-key.ts'
import type { RunningRelay } from '../relay/relay.ts'
import { startTestRelay } from './helpers.ts'
import { freePort } from './relay-process.ts'

/** A relay's data directory, identity and p2p port, fixed before it starts so the other can list it. */
export interface Identity {
  dataDir: string
  peerId: string
  p2pPort: number
  address: string
}

export async function identity(): Promise<Identity> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-pair-'))
  const peerId = peerIdFromPrivateKey(await loadOrCreatePeerKey(dataDir)).toString()
  const p2pPort = await freePort()
  return { dataDir, peerId, p2pPort, address: `/ip4/127.0.0.1/tcp/${p2pPort}/ws/p2p/${peerId}` }
}

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
