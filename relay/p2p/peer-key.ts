import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

export const PEER_KEY_FILE = 'peer-key'

/**
 * The relay's libp2p identity, kept in `<dataDir>/peer-key` (protobuf, mode 0600) so
 * its PeerId, and with it every worker's and relay's saved address, survives restarts.
 * A damaged file is an error, not a reason to mint a new identity.
 */
export async function loadOrCreatePeerKey(dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, PEER_KEY_FILE)
  if (existsSync(path)) {
    try {
      return privateKeyFromProtobuf(readFileSync(path))
    } catch (err) {
      throw new Error(
        `${path}: not a libp2p private key (${(err as Error).message}); restore it or delete it to create a new identity`,
      )
    }
  }
  const key = await generateKeyPair('Ed25519')
  const tmp = `${path}.tmp`
  writeFileSync(tmp, privateKeyToProtobuf(key), { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, path)
  return key
}
