import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'

/** A relay to dial, from `--bootstrap-peers` or a peers file. */
export interface ListedPeer {
  /** The address as written, ending in /p2p/<PeerId>. */
  multiaddr: string
  peerId: string
  /** Peers-file entries with `"member": true` join `relays.members`. */
  member: boolean
}

/** An entry that could not be used, named so the operator can find it. */
export interface PeerListProblem {
  /** `peers-file`, `bootstrap-peers`… */
  source: string
  /** Which entry: its index and, where there is one, its text (shortened). */
  entry: string
  error: string
}

export interface PeerList {
  peers: ListedPeer[]
  problems: PeerListProblem[]
}

/** Bounds on a peers file: a network is a handful of relays, not a phone book. */
export const MAX_LISTED_PEERS = 256
export const MAX_PEERS_FILE_BYTES = 256 * 1024
/** Longest address accepted (as in capacity announcements). */
export const MAX_MULTIADDR_LENGTH = 512

type AddressCheck = { ok: true; peerId: string } | { ok: false; error: string }

/**
 * A dialable relay address: parses as a multiaddr and ends in the relay's PeerId (the
 * bootstrap module drops addresses without one, and membership is by PeerId).
 */
export function checkPeerAddress(address: string): AddressCheck {
  if (address.length > MAX_MULTIADDR_LENGTH)
    return { ok: false, error: `longer than ${MAX_MULTIADDR_LENGTH} characters` }
  let peerId: string | undefined
  try {
    peerId = multiaddr(address)
      .getComponents()
      .findLast((c) => c.name === 'p2p')?.value
  } catch (err) {
    return { ok: false, error: `not a multiaddr: ${(err as Error).message}` }
  }
  if (peerId === undefined) return { ok: false, error: 'the address does not end in /p2p/<PeerId>' }
  try {
    peerIdFromString(peerId)
  } catch {
    return { ok: false, error: `"${peerId.slice(0, 80)}" is not a libp2p PeerId` }
  }
  return { ok: true, peerId }
}

/** Why `address` is not a multiaddr (a peer's address need not name it), or undefined. */
export function multiaddrProblem(address: string): string | undefined {
  if (address.length === 0) return 'empty multiaddr'
  if (address.length > MAX_MULTIADDR_LENGTH) return `multiaddr longer than ${MAX_MULTIADDR_LENGTH} characters`
  try {
    multiaddr(address)
    return undefined
  } catch (err) {
    return `"${address.slice(0, 120)}" is not a multiaddr: ${(err as Error).message}`
  }
}

/** Checks each address of a list (`--bootstrap-peers`); the good ones are kept. */
export function checkPeerAddresses(addresses: readonly string[], source: string): PeerList {
  const list: PeerList = { peers: [], problems: [] }
  for (const [i, address] of addresses.entries()) add(list, source, i, address, false)
  return list
}

/**
 * Parses a peers file. The format (README, "A network of relays"):
 *
 *   { "peers": [ "/ip4/…/tcp/…/ws/p2p/12D3…", { "multiaddr": "/dns4/…/p2p/12D3…", "member": true } ] }
 *
 * or the bare array. An entry is an address or `{multiaddr, member?}`. A bad entry is
 * reported by index and text and the rest are kept; text that is not JSON, or JSON of
 * another shape, is one problem and no peers.
 */
export function parsePeersFile(text: string, source = 'peers-file'): PeerList {
  const list: PeerList = { peers: [], problems: [] }
  if (text.length > MAX_PEERS_FILE_BYTES) {
    list.problems.push({ source, entry: 'file', error: `larger than ${MAX_PEERS_FILE_BYTES} bytes` })
    return list
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    list.problems.push({ source, entry: 'file', error: `not valid JSON: ${(err as Error).message}` })
    return list
  }
  const entries = Array.isArray(parsed)
    ? parsed
    : isRecord(parsed) && Array.isArray(parsed.peers)
      ? parsed.peers
      : undefined
  if (entries === undefined) {
    list.problems.push({ source, entry: 'file', error: 'expected {"peers": [...]} or an array of peers' })
    return list
  }
  for (const [i, entry] of (entries as unknown[]).entries()) {
    if (i >= MAX_LISTED_PEERS) {
      list.problems.push({
        source,
        entry: `#${i}`,
        error: `more than ${MAX_LISTED_PEERS} peers; the rest are ignored`,
      })
      break
    }
    if (typeof entry === 'string') add(list, source, i, entry, false)
    else if (
      isRecord(entry) &&
      typeof entry.multiaddr === 'string' &&
      (entry.member === undefined || typeof entry.member === 'boolean') &&
      Object.keys(entry).every((k) => k === 'multiaddr' || k === 'member')
    ) {
      add(list, source, i, entry.multiaddr, entry.member === true)
    } else {
      list.problems.push({
        source,
        entry: `#${i} ${JSON.stringify(entry)?.slice(0, 80) ?? String(entry)}`,
        error: 'expected an address or {"multiaddr": "...", "member": true|false}',
      })
    }
  }
  return list
}

function add(list: PeerList, source: string, index: number, address: string, member: boolean): void {
  const check = checkPeerAddress(address)
  if (check.ok) list.peers.push({ multiaddr: address, peerId: check.peerId, member })
  else list.problems.push({ source, entry: `#${index} ${address.slice(0, 120)}`, error: check.error })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
