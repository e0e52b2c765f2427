import { chownSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { loadOrCreatePeerKey } from '../p2p/peer-key.ts'

/** The peers file each relay reads (`--peers-file`), written next to its peer key. */
export const PEERS_FILE = 'peers.json'

/** One relay of the network: its directory name, and where the others dial its libp2p side. */
export interface NetworkRelay {
  name: string
  host: string
  port: number
}

export interface NetworkKeysOptions {
  /** `<out>/<name>/` becomes each relay's data directory (a compose volume, a Secret's files). */
  out: string
  relays: readonly NetworkRelay[]
  /** `uid:gid` to hand the directories to: an init step runs as root, the relay does not. */
  owner?: { uid: number; gid: number }
}

/**
 * Gives every relay of a network a libp2p identity and a peers file that lists all the
 * others as members, so relays started fresh from these directories know each other's
 * PeerIds before any of them runs (README "Deploy"). A PeerId is the hash of a key,
 * so it cannot be known before the key exists; minting the keys in one step is what
 * lets compose and Kubernetes start the relays together. A key that exists is kept
 * (`loadOrCreatePeerKey`), so re-running the step changes no identity.
 */
export async function networkKeys(options: NetworkKeysOptions): Promise<Record<string, string>> {
  const peerIds: Record<string, string> = {}
  for (const relay of options.relays) {
    const dir = join(options.out, relay.name)
    mkdirSync(dir, { recursive: true })
    peerIds[relay.name] = peerIdFromPrivateKey(await loadOrCreatePeerKey(dir)).toString()
  }
  for (const relay of options.relays) {
    const dir = join(options.out, relay.name)
    const peers = options.relays
      .filter((other) => other.name !== relay.name)
      .map((other) => ({ multiaddr: relayAddress(other, peerIds[other.name] as string), member: true }))
    writeFileSync(join(dir, PEERS_FILE), `${JSON.stringify({ peers }, null, 2)}\n`)
    if (options.owner) {
      const { uid, gid } = options.owner
      chownSync(dir, uid, gid)
      for (const file of readdirSync(dir)) chownSync(join(dir, file), uid, gid)
    }
  }
  return peerIds
}

/** `/dns4/relay-b/tcp/8001/ws/p2p/12D3…`, or `/ip4/…` for an IPv4 address. */
export function relayAddress(relay: NetworkRelay, peerId: string): string {
  const proto = /^\d{1,3}(\.\d{1,3}){3}$/.test(relay.host) ? 'ip4' : 'dns4'
  return `/${proto}/${relay.host}/tcp/${relay.port}/ws/p2p/${peerId}`
}
