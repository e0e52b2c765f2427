import { readFileSync } from 'node:fs'
import {
  checkPeerAddresses,
  type ListedPeer,
  MAX_PEERS_FILE_BYTES,
  type PeerListProblem,
  parsePeersFile,
} from '../../shared/network/peer-list.ts'
import type { RelayConfig } from '../config/schema.ts'

/** The relays this relay is told to reach, and who its members are. */
export interface NetworkPlan {
  /** Good addresses from `bootstrapPeers` and the peers file, each with its source. */
  peers: Array<ListedPeer & { source: string }>
  /** `relays.members` and the peers file's `"member": true` entries. */
  members: string[]
  /** Entries that were skipped, each named, with why; start-up goes on without them. */
  problems: PeerListProblem[]
}

/**
 * Reads the configured peer sources. Nothing here stops start-up (issue 11: a bad peers
 * file gives a clear error naming the entry and the relay starts with the rest); the
 * problems are logged and shown in /api/status.
 */
export function networkPlan(relays: RelayConfig['relays'], bootstrapPeers: readonly string[]): NetworkPlan {
  const bootstrap = checkPeerAddresses(bootstrapPeers, 'bootstrap-peers')
  const file = relays.peersFile === undefined ? undefined : readPeersFile(relays.peersFile)
  const peers = [
    ...bootstrap.peers.map((p) => ({ ...p, source: 'bootstrap-peers' })),
    ...(file?.peers ?? []).map((p) => ({ ...p, source: 'peers-file' })),
  ]
  const members = new Set(relays.members)
  for (const p of file?.peers ?? []) if (p.member) members.add(p.peerId)
  return { peers, members: [...members], problems: [...bootstrap.problems, ...(file?.problems ?? [])] }
}

function readPeersFile(path: string) {
  const source = `peers-file ${path}`
  let text: string
  try {
    text = readFileSync(path, 'utf8').slice(0, MAX_PEERS_FILE_BYTES + 1)
  } catch (err) {
    return {
      peers: [],
      problems: [{ source, entry: 'file', error: `cannot read it: ${(err as Error).message}` }],
    }
  }
  return parsePeersFile(text, source)
}
