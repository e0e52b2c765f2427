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
/**
 * Room for 32 addresses of 512 characters, 128 kinds of 64 with their loads, and
 * MAX_ANNOUNCED_GROUPS capability groups of MAX_GROUP_CAPABILITIES names, with JSON
 * overhead (about 110 KiB at most).
 */
export const MAX_ANNOUNCE_BYTES = 128 * 1024
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
/** Distinct capability sets announced for one kind; the ones with the most free slots are kept. */
export const MAX_GROUPS_PER_KIND = 8
/** Capability groups in one announcement, over all kinds. */
export const MAX_ANNOUNCED_GROUPS = 64
/** Capabilities named in one group; a worker with more is announced with the first ones (a subset is never a false claim). */
export const MAX_GROUP_CAPABILITIES = 16

const name = z.string().min(1).max(64)

/**
 * The workers of one kind that share a set of capabilities (e.g. `gpu`, `mcpp:member`),
 * and their free slots: a member forwards a task that requires capabilities only to a
 * relay with a group that has them all. Workers without capabilities form no group.
 */
export const capabilityGroup = z.strictObject({
  capabilities: z.array(name).min(1).max(MAX_GROUP_CAPABILITIES),
  workers: z.number().int().min(1).max(MAX_ANNOUNCED_WORKERS),
  freeSlots: z.number().int().min(0).max(MAX_ANNOUNCED_SLOTS),
})

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
        /** Absent from relays that announce no capabilities: their tasks with requirements stay home. */
        groups: z.array(capabilityGroup).max(MAX_GROUPS_PER_KIND).optional(),
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
export type CapabilityGroup = z.infer<typeof capabilityGroup>
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
  let totalGroups = 0
  for (const k of byKind) {
    if (!listed.has(k.kind) || seen.has(k.kind)) {
      return refuse('inconsistent_capacity', `byKind names "${k.kind}" twice or outside kinds`)
    }
    seen.add(k.kind)
    if (k.workers > workers || k.freeSlots > freeSlots) {
      return refuse('inconsistent_capacity', `byKind "${k.kind}" exceeds the relay's workers or free slots`)
    }
    const groups = checkGroups(k)
    if (groups !== undefined) return refuse('inconsistent_capacity', groups)
    totalGroups += k.groups?.length ?? 0
  }
  if (totalGroups > MAX_ANNOUNCED_GROUPS) {
    return refuse(
      'inconsistent_capacity',
      `${totalGroups} capability groups, more than ${MAX_ANNOUNCED_GROUPS}`,
    )
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

/**
 * What is wrong with one kind's capability groups, if anything: they partition that
 * kind's workers, so each set is distinct, names each capability once, and together
 * they hold no more workers or free slots than the kind.
 */
function checkGroups(k: NonNullable<Capacity['byKind']>[number]): string | undefined {
  const sets = new Set<string>()
  let workers = 0
  let freeSlots = 0
  for (const group of k.groups ?? []) {
    const set = [...new Set(group.capabilities)].sort()
    if (set.length !== group.capabilities.length) return `a group of "${k.kind}" names a capability twice`
    const key = set.join('\n')
    if (sets.has(key)) return `two groups of "${k.kind}" have the same capabilities`
    sets.add(key)
    workers += group.workers
    freeSlots += group.freeSlots
  }
  if (workers > k.workers || freeSlots > k.freeSlots)
    return `the capability groups of "${k.kind}" exceed its workers or free slots`
  return undefined
}

function refuse(reason: RefusalReason, detail: string): AnnouncementCheck {
  return { ok: false, reason, detail }
}
