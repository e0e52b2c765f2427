import { peerIdFromString } from '@libp2p/peer-id'
import { z } from 'zod'
import { MAX_MULTIADDR_LENGTH, multiaddrProblem } from '../../../shared/network/peer-list.ts'
import { DEFAULT_DIAL_TIMEOUT_MS, MAX_DIAL_TIMEOUT_MS } from '../../peers/dial-all.ts'

export const PEER_CATEGORY = {
  name: 'p2p_peer',
  description:
    "This relay's libp2p peers: register peers with capabilities and a TTL (persisted), discover live peers, dial addresses, ask peers for this relay's public address",
}

export const BOOTSTRAP_CATEGORY = {
  name: 'p2p_bootstrap',
  description:
    'Join a network: dial the peers of a peers file, of MCPP_BOOTSTRAP_PEERS or the public libp2p bootstrap nodes, and list those sources with the state of each address',
}

/** A multiaddr that parses (`@multiformats/multiaddr`), e.g. /ip4/10.0.0.2/tcp/8001/ws/p2p/12D3KooW… */
export const multiaddrString = z
  .string()
  .max(MAX_MULTIADDR_LENGTH)
  .superRefine((address, ctx) => {
    const problem = multiaddrProblem(address)
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
  })

export const peerIdString = z
  .string()
  .min(1)
  .max(128)
  .superRefine((id, ctx) => {
    try {
      peerIdFromString(id)
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `"${id}" is not a PeerId: ${(err as Error).message}` })
    }
  })

export const dialTimeoutMs = z
  .number()
  .int()
  .min(100)
  .max(MAX_DIAL_TIMEOUT_MS)
  .default(DEFAULT_DIAL_TIMEOUT_MS)
  .describe('Time limit for each dial, in ms')

export const dialOutcome = z.object({
  multiaddr: z.string(),
  ok: z.boolean(),
  peerId: z.string().optional().describe('The peer reached (proved by the noise handshake)'),
  remoteAddr: z.string().optional().describe('The address the connection runs over'),
  durationMs: z.number().int(),
  error: z.string().optional().describe("libp2p's error for a failed dial, as Name: message"),
  hint: z.string().optional().describe('What the error means here, when that is not plain from it'),
})

export const dialSummary = {
  results: z.array(dialOutcome).describe('One per address, in the order given'),
  connected: z.number().int().describe('Dials that succeeded'),
  failed: z.number().int().describe('Dials that failed'),
}

export function summarize(results: z.infer<typeof dialOutcome>[]) {
  const connected = results.filter((r) => r.ok).length
  return { results, connected, failed: results.length - connected }
}

export const EXAMPLE_MULTIADDR =
  '/ip4/192.0.2.10/tcp/8001/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
export const EXAMPLE_PEER_ID = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
