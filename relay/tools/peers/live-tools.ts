import type { Libp2p } from '@libp2p/interface'
import { z } from 'zod'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import type { RelayDirectory } from '../../p2p/relay-directory.ts'
import { DIAL_CONCURRENCY, dialAll, MAX_DIAL_TIMEOUT_MS, MAX_DIALS } from '../../peers/dial-all.ts'
import type { DialHistory } from '../../peers/dial-history.ts'
import { askObservedAddresses, MAX_ASKED_PEERS } from '../../peers/observed-address.ts'
import type { PeerBook } from '../../peers/peer-book.ts'
import { publicIpFrom } from '../../peers/public-ip.ts'
import { DISCOVERY_SOURCES, discoverPeers, MAX_LISTED } from './discover.ts'
import { dialSummary, dialTimeoutMs, EXAMPLE_MULTIADDR, multiaddrString, summarize } from './schemas.ts'

export interface LiveToolParts {
  libp2p: () => Libp2p
  book: PeerBook
  directory: RelayDirectory
  history: DialHistory
}

const discovered = z.object({
  peerId: z.string(),
  sources: z
    .array(z.enum(DISCOVERY_SOURCES))
    .describe(
      'Where it was learned: connection (connected now), announcement (a member relay announced its capacity), registered (p2p_peer_register), peer-store (known to libp2p: identify, mDNS, earlier connections)',
    ),
  connected: z.boolean(),
  multiaddrs: z.array(z.string()),
  protocols: z.array(z.string()).describe('Protocols it speaks, as identify reported them'),
  capabilities: z.array(z.string()).optional().describe('Registered capabilities'),
  expiresAt: z.number().optional().describe('When its registration expires, Unix ms'),
  capacity: z
    .object({
      workers: z.number().int(),
      slots: z.number().int(),
      freeSlots: z.number().int(),
      kinds: z.array(z.string()),
      queued: z.number().int(),
    })
    .optional()
    .describe('Capacity from its latest announcement (member relays)'),
  announcementAgeMs: z.number().optional(),
})

export function liveTools(parts: LiveToolParts) {
  const discover = defineTool({
    name: 'p2p_peer_discover',
    category: 'p2p_peer',
    description:
      "Live peers of this relay: open libp2p connections, member relays' capacity announcements, registered peers and libp2p's peer store (where identify and mDNS discoveries land), each saying where it was learned; connected peers first",
    input: z.object({
      sources: z
        .array(z.enum(DISCOVERY_SOURCES).describe('A source'))
        .min(1)
        .max(DISCOVERY_SOURCES.length)
        .optional()
        .describe('Only peers learned from one of these; every source if omitted'),
      limit: z.number().int().min(1).max(MAX_LISTED).default(200).describe('Peers listed at most'),
    }),
    output: z.object({
      peers: z.array(discovered),
      total: z.number().int().describe('Peers found before the limit'),
    }),
    annotations: { title: 'Discover peers', readOnlyHint: true, idempotentHint: false, openWorldHint: true },
    handlers: {
      local: async ({ sources, limit }) =>
        discoverPeers(
          { libp2p: parts.libp2p(), book: parts.book, directory: parts.directory },
          { sources, limit },
        ),
    },
  })

  const bootstrap = defineTool({
    name: 'p2p_peer_bootstrap',
    category: 'p2p_peer',
    description: `Dial a list of multiaddrs (at most ${MAX_DIALS}, ${DIAL_CONCURRENCY} at a time, each with a time limit) and report for each the peer reached or libp2p's real error. The relay's transport is WebSockets: a /tcp address without /ws fails with the error that says so`,
    input: z.object({
      multiaddrs: z
        .array(multiaddrString.describe('A multiaddr to dial, e.g. /ip4/10.0.0.2/tcp/8001/ws/p2p/12D3KooW…'))
        .min(1)
        .max(MAX_DIALS)
        .describe(`Addresses to dial (at most ${MAX_DIALS})`),
      timeoutMs: dialTimeoutMs,
    }),
    output: z.object(dialSummary),
    annotations: {
      title: 'Dial peers',
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    },
    // Every dial in ⌈64/16⌉ rounds at its longest time limit, and some room.
    timeoutMs: Math.ceil(MAX_DIALS / DIAL_CONCURRENCY) * MAX_DIAL_TIMEOUT_MS + 10_000,
    example: { multiaddrs: [EXAMPLE_MULTIADDR], timeoutMs: 5000 },
    handlers: {
      local: async ({ multiaddrs, timeoutMs }, ctx) =>
        summarize(
          await dialAll(parts.libp2p(), multiaddrs, {
            timeoutMs,
            signal: ctx.signal,
            onOutcome: (o) => parts.history.record(o),
          }),
        ),
    },
  })

  const publicIp = defineTool({
    name: 'p2p_peer_get_public_ip',
    category: 'p2p_peer',
    description: `This relay's IP address as its connected peers see it: identify asked again of up to ${MAX_ASKED_PEERS} peers, no outside web service. With no connected peer it says it cannot tell; an address seen over loopback or a private network is reported as not public`,
    input: z.object({}),
    output: z.object({
      known: z.boolean().describe('Whether any peer reported an address'),
      ip: z.string().nullable().describe('The IP most peers reported; null when unknown'),
      public: z
        .boolean()
        .nullable()
        .describe(
          'Whether that IP is routable on the internet (false for loopback, private, link-local, CGNAT)',
        ),
      agreeing: z.number().int().describe('Peers that reported that IP'),
      reason: z.string().describe('How the answer was reached, or why there is none'),
      observations: z.array(
        z.object({
          peerId: z.string(),
          observedAddr: z.string().nullable(),
          ip: z.string().nullable(),
          error: z.string().optional(),
        }),
      ),
    }),
    annotations: { title: 'Public IP', readOnlyHint: true, idempotentHint: false, openWorldHint: true },
    handlers: {
      local: async (_input, ctx) => publicIpFrom(await askObservedAddresses(parts.libp2p(), ctx.signal)),
    },
  })

  return [discover, bootstrap, publicIp]
}
