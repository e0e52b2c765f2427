import { multiaddr } from '@multiformats/multiaddr'

/** Entries a peers file may hold. */
export const MAX_PEERS_FILE_ENTRIES = 1024
/** Longest address accepted (as in capacity announcements). */
export const MAX_MULTIADDR_LENGTH = 512

export interface PeersFileEntry {
  /** Position in the file's list, from 0. */
  index: number
  multiaddr: string
}

export interface PeersFileProblem {
  index: number
  message: string
}

export type ParsedPeersFile =
  | { ok: true; entries: PeersFileEntry[]; problems: PeersFileProblem[] }
  | { ok: false; message: string }

/**
 * Reads a peers file: JSON, either a list of multiaddr strings or
 * `{"peers": [...]}` whose items are strings or objects with a `multiaddr` string (or
 * a `multiaddrs` list); other fields of an item (a name, a note) are the operator's
 * own and ignored. A bad item is a problem naming its index, and the rest still count.
 */
export function parsePeersFile(text: string): ParsedPeersFile {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    return { ok: false, message: `not valid JSON: ${(err as Error).message}` }
  }
  const list = Array.isArray(json)
    ? json
    : isRecord(json) && Array.isArray(json.peers)
      ? json.peers
      : undefined
  if (list === undefined) {
    return { ok: false, message: 'expected a list of multiaddrs or {"peers": [...]}' }
  }
  if (list.length > MAX_PEERS_FILE_ENTRIES) {
    return { ok: false, message: `${list.length} peers; at most ${MAX_PEERS_FILE_ENTRIES} are read` }
  }
  const entries: PeersFileEntry[] = []
  const problems: PeersFileProblem[] = []
  list.forEach((item: unknown, index) => {
    const addresses = addressesOf(item)
    if (typeof addresses === 'string') {
      problems.push({ index, message: addresses })
      return
    }
    for (const address of addresses) {
      const problem = multiaddrProblem(address)
      if (problem === undefined) entries.push({ index, multiaddr: address })
      else problems.push({ index, message: problem })
    }
  })
  return { ok: true, entries, problems }
}

/** The item's addresses, or what is wrong with it. */
function addressesOf(item: unknown): string[] | string {
  if (typeof item === 'string') return [item]
  if (!isRecord(item)) return 'expected a multiaddr string or an object with "multiaddr"'
  if (typeof item.multiaddr === 'string') return [item.multiaddr]
  if (Array.isArray(item.multiaddrs) && item.multiaddrs.every((a) => typeof a === 'string')) {
    return item.multiaddrs.length > 0 ? (item.multiaddrs as string[]) : '"multiaddrs" is empty'
  }
  return 'has no "multiaddr" string (or "multiaddrs" list of strings)'
}

/** Why `address` is not a usable multiaddr, or undefined when it is one. */
export function multiaddrProblem(address: string): string | undefined {
  if (address.length === 0) return 'empty multiaddr'
  if (address.length > MAX_MULTIADDR_LENGTH) return `multiaddr longer than ${MAX_MULTIADDR_LENGTH} characters`
  try {
    multiaddr(address)
    return undefined
  } catch (err) {
    return `"${address}" is not a multiaddr: ${(err as Error).message}`
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
