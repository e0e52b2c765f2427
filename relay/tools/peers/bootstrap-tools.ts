import { readFile, stat } from 'node:fs/promises'
import type { Libp2p } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { type PeerList, parsePeersFile } from '../../../shared/network/peer-list.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { confinePath } from '../../files/confine-path.ts'
import { pathParam } from '../../files/path-param.ts'
import { DIAL_CONCURRENCY, dialAll, MAX_DIAL_TIMEOUT_MS, MAX_DIALS } from '../../peers/dial-all.ts'
import type { DialHistory } from '../../peers/dial-history.ts'
import { PUBLIC_BOOTSTRAP_PEERS } from '../../peers/public-bootstrap.ts'
import { dialSummary, dialTimeoutMs, summarize } from './schemas.ts'

/** Largest peers file read. */
export const MAX_PEERS_FILE_BYTES = 1024 * 1024
const ROUNDS_TIMEOUT = Math.ceil(MAX_DIALS / DIAL_CONCURRENCY) * MAX_DIAL_TIMEOUT_MS + 10_000

/** Where the relay was told to find peers at start (config, flags and env). */
export interface BootstrapSources {
  /** `bootstrapPeers` (`--bootstrap-peers`, `MCPP_BOOTSTRAP_PEERS`), as read at start. */
  peers: readonly string[]
  /** The operator's peers file (`--peers-file`), if one is configured. */
  peersFile: string | undefined
}

export interface BootstrapToolParts {
  libp2p: () => Libp2p
  sources: BootstrapSources
  fileRoots: readonly string[]
  history: DialHistory
}

const problem = z.object({
  entry: z.string().describe('Which entry: #<index> and its text, or "file"'),
  error: z.string().describe('Why it was not dialled'),
})

const annotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
} as const

export function bootstrapTools(parts: BootstrapToolParts) {
  const dial = (addresses: readonly string[], timeoutMs: number, signal: AbortSignal) =>
    dialAll(parts.libp2p(), addresses, { timeoutMs, signal, onOutcome: (o) => parts.history.record(o) })

  const fromFile = defineTool({
    name: 'p2p_bootstrap_from_file',
    category: 'p2p_bootstrap',
    description: `Dial the peers listed in a JSON peers file under the file root: the format of --peers-file: {"peers": [...]} or the array itself, each entry an address ending in /p2p/<PeerId> or {"multiaddr": "...", "member": true|false} (member is for --peers-file; this tool only dials). Reports each dial, each bad entry by index, and entries past the first ${MAX_DIALS} as skipped`,
    input: z.object({
      path: pathParam.describe('The peers file, under the file root (<data-dir>/files), e.g. peers.json'),
      timeoutMs: dialTimeoutMs,
    }),
    output: z.object({
      path: z.string(),
      ...dialSummary,
      problems: z.array(problem).describe('Entries that are not usable multiaddrs (not dialled)'),
      skipped: z.array(z.string()).describe(`Addresses past the first ${MAX_DIALS}, not dialled`),
    }),
    annotations: { title: 'Bootstrap from a peers file', ...annotations },
    timeoutMs: ROUNDS_TIMEOUT,
    example: { path: 'peers.json', timeoutMs: 5000 },
    handlers: {
      local: async ({ path, timeoutMs }, ctx) => {
        const libp2p = parts.libp2p()
        const parsed = await readPeersFile(confinePath(path, parts.fileRoots, 'path'), path)
        const addresses = [...new Set(parsed.peers.map((p) => p.multiaddr))]
        const results = await dialAll(libp2p, addresses.slice(0, MAX_DIALS), {
          timeoutMs,
          signal: ctx.signal,
          onOutcome: (o) => parts.history.record(o),
        })
        return {
          path,
          ...summarize(results),
          problems: entryProblems(parsed),
          skipped: addresses.slice(MAX_DIALS),
        }
      },
    },
  })

  const fromEnv = defineTool({
    name: 'p2p_bootstrap_from_env',
    category: 'p2p_bootstrap',
    description: `Dial the bootstrap peers the relay was started with (MCPP_BOOTSTRAP_PEERS, --bootstrap-peers or bootstrapPeers in the config file) and report each; the first ${MAX_DIALS}`,
    input: z.object({ timeoutMs: dialTimeoutMs }),
    output: z.object({
      configured: z.number().int().describe('Bootstrap peers configured'),
      ...dialSummary,
      note: z.string().optional().describe('Said when there is nothing to dial'),
    }),
    annotations: { title: 'Bootstrap from MCPP_BOOTSTRAP_PEERS', ...annotations },
    timeoutMs: ROUNDS_TIMEOUT,
    handlers: {
      local: async ({ timeoutMs }, ctx) => {
        const peers = parts.sources.peers
        const results = await dial(peers.slice(0, MAX_DIALS), timeoutMs, ctx.signal)
        return {
          configured: peers.length,
          ...summarize(results),
          ...(peers.length === 0
            ? {
                note: 'no bootstrap peers are configured (MCPP_BOOTSTRAP_PEERS / --bootstrap-peers was empty at start)',
              }
            : {}),
        }
      },
    },
  })

  const fromPublic = defineTool({
    name: 'p2p_bootstrap_from_public',
    category: 'p2p_bootstrap',
    description: `Dial the ${PUBLIC_BOOTSTRAP_PEERS.length} public libp2p bootstrap nodes (the list js-libp2p and Helia ship), all at once, and report each. This relay dials only WebSockets: a node it reaches only over TCP or QUIC fails with libp2p's NoValidAddressesError; offline, each fails with its DNS error`,
    input: z.object({ timeoutMs: dialTimeoutMs.default(3000) }),
    output: z.object(dialSummary),
    annotations: { title: 'Bootstrap from the public libp2p nodes', ...annotations },
    timeoutMs: MAX_DIAL_TIMEOUT_MS + 10_000,
    handlers: {
      local: async ({ timeoutMs }, ctx) =>
        summarize(await dial(PUBLIC_BOOTSTRAP_PEERS, timeoutMs, ctx.signal)),
    },
  })

  const list = defineTool({
    name: 'p2p_bootstrap_list',
    category: 'p2p_bootstrap',
    description:
      'The bootstrap sources this relay knows (configured bootstrap peers, the peers file if one is configured, the public libp2p nodes) and, per address, whether its peer is connected now and the last dial result the bootstrap and peer tools saw',
    input: z.object({}),
    output: z.object({
      p2p: z.boolean().describe('Whether the libp2p node runs (connected is null when not)'),
      sources: z.array(
        z.object({
          source: z.enum(['bootstrap-peers', 'peers-file', 'public']),
          description: z.string(),
          path: z.string().optional().describe('The peers file'),
          error: z.string().optional().describe('Why the peers file could not be read'),
          problems: z.array(problem).optional(),
          addresses: z.array(
            z.object({
              multiaddr: z.string(),
              connected: z.boolean().nullable(),
              lastDial: z
                .object({
                  ok: z.boolean(),
                  at: z.number(),
                  peerId: z.string().optional(),
                  error: z.string().optional(),
                })
                .nullable()
                .describe(
                  'Last dial by a p2p_peer_bootstrap or p2p_bootstrap_* call since start; null if none',
                ),
            }),
          ),
        }),
      ),
    }),
    annotations: {
      title: 'Bootstrap sources',
      readOnlyHint: true,
      idempotentHint: false,
      openWorldHint: false,
    },
    handlers: {
      local: async () => {
        let libp2p: Libp2p | undefined
        try {
          libp2p = parts.libp2p()
        } catch {
          libp2p = undefined // listed without connection state
        }
        const state = (address: string) => ({
          multiaddr: address,
          connected: libp2p === undefined ? null : isConnected(libp2p, address),
          lastDial: parts.history.get(address) ?? null,
        })
        const sources = [
          {
            source: 'bootstrap-peers' as const,
            description: 'bootstrapPeers (--bootstrap-peers, MCPP_BOOTSTRAP_PEERS) as read at start',
            addresses: parts.sources.peers.map(state),
          },
          ...(await peersFileSource(parts.sources.peersFile, state)),
          {
            source: 'public' as const,
            description: 'the public libp2p bootstrap nodes (p2p_bootstrap_from_public)',
            addresses: PUBLIC_BOOTSTRAP_PEERS.map(state),
          },
        ]
        return { p2p: libp2p !== undefined, sources }
      },
    },
  })

  return [fromFile, fromEnv, fromPublic, list]
}

async function readPeersFile(absolute: string, shown: string) {
  let text: string
  try {
    const info = await stat(absolute)
    if (!info.isFile()) {
      throw new McppError('INVALID_PARAMS', `path: "${shown}" is not a file`, {
        problems: [{ param: 'path', problem: 'not a file' }],
      })
    }
    if (info.size > MAX_PEERS_FILE_BYTES) {
      throw new McppError('TOO_LARGE', `path: "${shown}" is larger than ${MAX_PEERS_FILE_BYTES} bytes`)
    }
    text = await readFile(absolute, 'utf8')
  } catch (err) {
    if (err instanceof McppError) throw err
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new McppError('NOT_FOUND', `path: no file "${shown}" under the file root`, { path: shown })
    }
    throw err
  }
  const parsed = parsePeersFile(text, 'file')
  const whole = parsed.problems.find((p) => p.entry === 'file')
  if (whole !== undefined) throw new McppError('BAD_DATA', `"${shown}": ${whole.error}`, { path: shown })
  return parsed
}

/** The entries that were not dialled, in the tools' output shape. */
function entryProblems(list: PeerList): Array<{ entry: string; error: string }> {
  return list.problems.map(({ entry, error }) => ({ entry, error }))
}

/** The configured peers file as a source; read now, so edits since start show. */
async function peersFileSource<T>(path: string | undefined, state: (address: string) => T) {
  if (path === undefined) return []
  const base = { source: 'peers-file' as const, description: 'the peers file (--peers-file)', path }
  try {
    if ((await stat(path)).size > MAX_PEERS_FILE_BYTES) {
      return [{ ...base, error: `larger than ${MAX_PEERS_FILE_BYTES} bytes`, addresses: [] }]
    }
    const text = await readFile(path, 'utf8')
    const parsed = parsePeersFile(text, 'peers-file')
    const whole = parsed.problems.find((p) => p.entry === 'file')
    if (whole !== undefined) return [{ ...base, error: whole.error, addresses: [] }]
    const addresses = [...new Set(parsed.peers.map((p) => p.multiaddr))]
    return [{ ...base, problems: entryProblems(parsed), addresses: addresses.map(state) }]
  } catch (err) {
    return [{ ...base, error: (err as Error).message, addresses: [] }]
  }
}

/** Whether the peer an address names (by /p2p/), or the address itself, is connected. */
function isConnected(libp2p: Libp2p, address: string): boolean {
  try {
    const peerId = multiaddr(address)
      .getComponents()
      .findLast((c) => c.name === 'p2p')?.value
    if (peerId !== undefined) return libp2p.getConnections(peerIdFromString(peerId)).length > 0
  } catch {
    return false
  }
  return libp2p.getConnections().some((c) => c.remoteAddr.toString() === address)
}
