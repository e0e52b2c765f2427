import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { MAX_CONCURRENCY } from './task-messages.ts'

/**
 * `/mcpp/announce/1.0.0`: one stream per announcement, opened by the announcing relay.
 *
 *   announcer → receiver: capacity
 *   receiver → announcer: accepted | refused
 *
 * Only configured member relays may announce (issue 9, "Member relays"); the receiver
 * refuses anyone else before reading their frame. Even a member's announcement is
 * hostile input: every field is bounded here, and `checkAnnouncement` refuses values
 * that no real relay could hold, instead of clamping them.
 */
export const ANNOUNCE_PROTOCOL = '/mcpp/announce/1.0.0'
/** Room for 32 addresses of 512 characters and 128 kinds of 64, with JSON overhead. */
export const MAX_ANNOUNCE_BYTES = 32 * 1024
/**
 * A relay's libp2p connection limit (create-relay-node.ts): it cannot hold more
 * workers than connections, so no announcement may claim more.
 */
export const MAX_RELAY_CONNECTIONS = 1024
export const MAX_ANNOUNCED_WORKERS = MAX_RELAY_CONNECTIONS
/** Each worker runs at most MAX_CONCURRENCY tasks at once (task-messages.ts). */
export const MAX_ANNOUNCED_SLOTS = MAX_ANNOUNCED_WORKERS * MAX_CONCURRENCY
export const MAX_ANNOUNCED_QUEUED = 10_000_000
export const MAX_ANNOUNCED_KINDS = 128
export const MAX_ANNOUNCED_ADDRESSES = 32

const name = z.string().min(1).max(64)

export const capacitySchema = z.strictObject({
  workers: z.number().int().min(0).max(MAX_ANNOUNCED_WORKERS),
  slots: z.number().int().min(0).max(MAX_ANNOUNCED_SLOTS),
  freeSlots: z.number().int().min(0).max(MAX_ANNOUNCED_SLOTS),
  kinds: z.array(name).max(MAX_ANNOUNCED_KINDS),
  queued: z.number().int().min(0).max(MAX_ANNOUNCED_QUEUED),
  /** Tasks its workers hold now (running or buffered): the relay's load. */
  inFlight: z
    .number()
    .int()
    .min(0)
    .max(MAX_ANNOUNCED_WORKERS * MAX_CONCURRENCY)
    .optional(),
  /** Per task kind: the connected workers that run it and their free slots. */
  byKind: z
    .array(
      z.strictObject({
        kind: name,
        workers: z.number().int().min(0).max(MAX_ANNOUNCED_WORKERS),
        freeSlots: z.number().int().min(0).max(MAX_ANNOUNCED_SLOTS),
      }),
    )
    .max(MAX_ANNOUNCED_KINDS)
    .optional(),
})

export const capacityMessage = z.strictObject({
  type: z.literal('capacity'),
  multiaddrs: z.array(z.string().min(1).max(512)).max(MAX_ANNOUNCED_ADDRESSES),
  capacity: capacitySchema,
})

/** Why an announcement was refused; also the `reason` label of the refusal counter. */
export const REFUSAL_REASONS = [
  'not_member',
  'inconsistent_capacity',
  'bad_address',
  'foreign_address',
] as const
export type RefusalReason = (typeof REFUSAL_REASONS)[number]

export const announceReply = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('accepted') }),
  z.strictObject({
    type: z.literal('refused'),
    reason: z.string().min(1).max(64),
    detail: z.string().max(512).optional(),
  }),
])

export type Capacity = z.infer<typeof capacitySchema>
export type CapacityMessage = z.infer<typeof capacityMessage>
export type AnnounceReply = z.infer<typeof announceReply>

export type AnnouncementCheck = { ok: true } | { ok: false; reason: RefusalReason; detail: string }

/**
 * Decides whether a well-formed announcement from `announcer` (its PeerId, proven by
 * noise) describes a relay that could exist: counts that add up, and addresses that
 * parse and, where they name a peer, name the announcer itself (so that a member
 * cannot steer others to a third party).
 */
export function checkAnnouncement(message: CapacityMessage, announcer: string): AnnouncementCheck {
  const { workers, slots, freeSlots, kinds } = message.capacity
  if (freeSlots > slots) {
    return refuse('inconsistent_capacity', `freeSlots ${freeSlots} exceeds slots ${slots}`)
  }
  if (slots > workers * MAX_CONCURRENCY) {
    return refuse(
      'inconsistent_capacity',
      `slots ${slots} exceeds ${MAX_CONCURRENCY} per worker for ${workers} workers`,
    )
  }
  if (new Set(kinds).size !== kinds.length) return refuse('inconsistent_capacity', 'kinds repeat')
  const { inFlight, byKind = [] } = message.capacity
  if (inFlight !== undefined && inFlight > workers * MAX_CONCURRENCY) {
    return refuse('inconsistent_capacity', `inFlight ${inFlight} exceeds ${MAX_CONCURRENCY} per worker`)
  }
  const listed = new Set(kinds)
  const seen = new Set<string>()
  for (const k of byKind) {
    if (!listed.has(k.kind) || seen.has(k.kind)) {
      return refuse('inconsistent_capacity', `byKind names "${k.kind}" twice or outside kinds`)
    }
    seen.add(k.kind)
    if (k.workers > workers || k.freeSlots > freeSlots) {
      return refuse('inconsistent_capacity', `byKind "${k.kind}" exceeds the relay's workers or free slots`)
    }
  }
  for (const address of message.multiaddrs) {
    let peers: string[]
    try {
      peers = multiaddr(address)
        .getComponents()
        .filter((c) => c.name === 'p2p')
        .map((c) => c.value ?? '')
    } catch (err) {
      return refuse('bad_address', `${address.slice(0, 80)}: ${(err as Error).message}`)
    }
    // In a circuit address (/p2p/<relay>/p2p-circuit/p2p/<peer>) the last id is the peer's.
    const peer = peers.at(-1)
    if (peer !== undefined && peer !== announcer) {
      return refuse('foreign_address', `${address.slice(0, 80)} names another peer`)
    }
  }
  return { ok: true }
}

function refuse(reason: RefusalReason, detail: string): AnnouncementCheck {
  return { ok: false, reason, detail }
}
