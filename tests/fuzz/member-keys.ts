import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

/** Keys of the peers every fuzzed relay lists as member relays (so member-only paths get fuzzed too). */
const KEYS = 8
let keys: Promise<PrivateKey[]> | undefined

export function memberKeys(): Promise<PrivateKey[]> {
  keys ??= Promise.all(Array.from({ length: KEYS }, () => generateKeyPair('Ed25519')))
  return keys
}

export async function memberPeerIds(): Promise<string[]> {
  return (await memberKeys()).map((k) => peerIdFromPrivateKey(k).toString())
}
