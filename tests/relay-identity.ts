import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { loadOrCreatePeerKey } from '../relay/p2p/peer-key.ts'
import { freePort } from './relay-process.ts'

/** A relay's data directory, identity and p2p port, fixed before it starts so others can list it. */
export interface Identity {
  dataDir: string
  peerId: string
  p2pPort: number
  address: string
}

/** Makes a data directory holding a fresh peer key, and picks a free p2p port for it. */
export async function identity(): Promise<Identity> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-relay-'))
  const peerId = peerIdFromPrivateKey(await loadOrCreatePeerKey(dataDir)).toString()
  const p2pPort = await freePort()
  return { dataDir, peerId, p2pPort, address: `/ip4/127.0.0.1/tcp/${p2pPort}/ws/p2p/${peerId}` }
}
