import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import {
  DEFAULT_PEER_TTL_SECONDS,
  MAX_PEER_ADDRESSES,
  MAX_PEER_CAPABILITIES,
  MAX_PEER_TTL_SECONDS,
  MAX_PEERS,
  MIN_PEER_TTL_SECONDS,
  type PeerBook,
} from '../../peers/peer-book.ts'
import { EXAMPLE_MULTIADDR, EXAMPLE_PEER_ID, multiaddrString, peerIdString } from './schemas.ts'

const capability = z.string().min(1).max(64)

const registeredPeer = z.object({
  peerId: z.string(),
  multiaddrs: z.array(z.string()),
  capabilities: z.array(z.string()),
  registeredAt: z.number().describe('First registered, Unix ms'),
  updatedAt: z.number().describe('Last registered, Unix ms'),
  expiresAt: z.number().describe('When its TTL runs out, Unix ms'),
})

export function peerBookTools(book: PeerBook, now: () => number) {
  const register = defineTool({
    name: 'p2p_peer_register',
    category: 'p2p_peer',
    description: `Register a peer with its capabilities, multiaddrs and a TTL in the relay's peer book (<data-dir>/peerbook.db, kept across restarts); registering it again replaces its entry and restarts its TTL. At most ${MAX_PEERS.toLocaleString('en')} peers`,
    input: z.object({
      peerId: peerIdString.describe('The peer (a libp2p PeerId, e.g. 12D3KooW…)'),
      multiaddrs: z
        .array(multiaddrString.describe('A multiaddr of the peer'))
        .max(MAX_PEER_ADDRESSES)
        .default([])
        .describe(`Where the peer listens (at most ${MAX_PEER_ADDRESSES}); a /p2p/ part must name this peer`),
      capabilities: z
        .array(capability.describe('A capability name, e.g. sha256 or gpu'))
        .max(MAX_PEER_CAPABILITIES)
        .default([])
        .describe(`What the peer offers (at most ${MAX_PEER_CAPABILITIES}); p2p_peer_list filters by one`),
      ttlSeconds: z
        .number()
        .int()
        .min(MIN_PEER_TTL_SECONDS)
        .max(MAX_PEER_TTL_SECONDS)
        .default(DEFAULT_PEER_TTL_SECONDS)
        .describe(
          'Seconds until the entry expires (at most 30 days); p2p_peer_cleanup drops expired entries',
        ),
    }),
    output: z.object({
      peer: registeredPeer,
      created: z.boolean().describe('False when it replaced an entry'),
    }),
    annotations: {
      title: 'Register a peer',
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    },
    example: {
      peerId: EXAMPLE_PEER_ID,
      multiaddrs: [EXAMPLE_MULTIADDR],
      capabilities: ['sha256'],
      ttlSeconds: 3600,
    },
    handlers: {
      local: async ({ peerId, multiaddrs, capabilities, ttlSeconds }) => {
        multiaddrs.forEach((address, i) => {
          const named = multiaddr(address)
            .getComponents()
            .findLast((c) => c.name === 'p2p')?.value
          if (named !== undefined && named !== peerId) {
            const param = `multiaddrs[${i}]`
            throw new McppError('INVALID_PARAMS', `${param}: names peer ${named}, not ${peerId}`, {
              problems: [{ param, problem: 'address of another peer' }],
            })
          }
        })
        return book.register({
          peerId,
          multiaddrs: [...new Set(multiaddrs)],
          capabilities: [...new Set(capabilities)],
          ttlMs: ttlSeconds * 1000,
        })
      },
    },
  })

  const list = defineTool({
    name: 'p2p_peer_list',
    category: 'p2p_peer',
    description:
      'The peers registered with p2p_peer_register, ordered by PeerId, with their capabilities, addresses and expiry; paged, filtered by capability',
    input: z.object({
      capability: capability.optional().describe('Only peers that registered this capability'),
      includeExpired: z
        .boolean()
        .default(false)
        .describe('Also list entries whose TTL has run out (until p2p_peer_cleanup drops them)'),
      offset: z.number().int().min(0).max(MAX_PEERS).default(0).describe('Peers to skip'),
      limit: z.number().int().min(1).max(1000).default(100).describe('Peers per page'),
    }),
    output: z.object({
      peers: z.array(registeredPeer.extend({ expired: z.boolean() })),
      total: z.number().int().describe('Peers matching the filter, on all pages'),
      nextOffset: z.number().int().nullable().describe('offset of the next page; null on the last'),
    }),
    annotations: {
      title: 'List registered peers',
      readOnlyHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    handlers: {
      local: async ({ capability, includeExpired, offset, limit }) => {
        const page = book.list({ capability, includeExpired, offset, limit })
        const at = now()
        const end = offset + page.peers.length
        return {
          peers: page.peers.map((p) => ({ ...p, expired: p.expiresAt <= at })),
          total: page.total,
          nextOffset: end < page.total ? end : null,
        }
      },
    },
  })

  const cleanup = defineTool({
    name: 'p2p_peer_cleanup',
    category: 'p2p_peer',
    description:
      'Drop the registered peers whose TTL has run out; reports how many were dropped and how many remain',
    input: z.object({}),
    output: z.object({
      removed: z.number().int().describe('Expired entries dropped'),
      remaining: z.number().int().describe('Entries left (all unexpired)'),
    }),
    annotations: {
      title: 'Drop expired peers',
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    handlers: {
      local: async () => {
        const removed = book.purgeExpired()
        return { removed, remaining: book.list({ includeExpired: true, limit: 1 }).total }
      },
    },
  })

  return [register, list, cleanup]
}
