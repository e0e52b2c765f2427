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
 * overhead (about 110 KiB at most), plus the optional activity report: throughput
 * (under 200 bytes) and MAX_REPORTED_WORKERS workers of at most about 1.6 KiB each
 * (ids, name, MAX_REPORTED_WORKER_NAMES kinds and capabilities of 64 characters, counts),
 * about 101 KiB. The whole, about 210 KiB with ASCII names, is measured by
 * announce-messages.test.ts; the sender also keeps its worker list under
 * MAX_WORKER_REPORT_BYTES of UTF-8, so names in other scripts cannot push it over.
 */
export const MAX_ANNOUNCE_BYTES = 256 * 1024
/** The sender's budget for its listed workers as JSON (relay/dashboard/activity-report.ts). */
export const MAX_WORKER_REPORT_BYTES = 104 * 1024
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

/** Workers listed in one announcement's activity report, the busiest first. */
export const MAX_REPORTED_WORKERS = 64
/** Kinds, and capabilities, named per reported worker (the first ones; display only). */
export const MAX_REPORTED_WORKER_NAMES = 8
/** A rate no relay reaches (tasks or calls per second); a report above it is refused. */
export const MAX_REPORTED_RATE = 1_000_000
/** The longest window a throughput report may average over. */
export const MAX_THROUGHPUT_WINDOW_SECONDS = 86_400
/** The longest announcement interval a relay may be configured with (relay/config/schema.ts). */
export const MAX_ANNOUNCE_INTERVAL_SECONDS = 3600
/** A mean task time above a week is no real worker's. */
export const MAX_REPORTED_MEAN_MS = 7 * 24 * 3600 * 1000
/** How a worker reaches its relay (relay/dashboard/connection-type.ts names it). */
export const CONNECTION_TYPES = ['websocket', 'relayed', 'webrtc', 'tcp', 'other', 'unknown'] as const

const name = z.string().min(1).max(64)
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
const perSecond = z.number().min(0).max(MAX_REPORTED_RATE)

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

/**
 * What the announcing relay's dashboard shows as its throughput (issue 13): rates over
 * its last `windowSeconds`, from the counters of relay/dashboard/activity-counters.ts.
 */
export const throughputSchema = z.strictObject({
  windowSeconds: z.number().positive().max(MAX_THROUGHPUT_WINDOW_SECONDS),
  /** Tasks that succeeded, and that failed, per second. */
  completedPerSecond: perSecond,
  failedPerSecond: perSecond,
  /** Tool calls routed per second. */
  callsPerSecond: perSecond,
})

/** One of the announcing relay's connected workers, as its Workers view shows it (WorkerStats, trimmed). */
export const reportedWorker = z.strictObject({
  workerId: z.string().min(1).max(128),
  peerId: z.string().min(1).max(128),
  name: z.string().max(64),
  kinds: z.array(name).max(MAX_REPORTED_WORKER_NAMES),
  capabilities: z.array(name).max(MAX_REPORTED_WORKER_NAMES),
  concurrency: z.number().int().min(0).max(MAX_CONCURRENCY),
  slots: z.number().int().min(0).max(MAX_CONCURRENCY),
  inFlight: z.number().int().min(0).max(MAX_CONCURRENCY),
  done: count,
  failed: count,
  meanMs: z.number().min(0).max(MAX_REPORTED_MEAN_MS).nullable(),
  draining: z.boolean(),
  connection: z.enum(CONNECTION_TYPES),
})

/** Its connected workers: `total` of them, the busiest MAX_REPORTED_WORKERS listed. */
export const workerReport = z.strictObject({
  total: z.number().int().min(0).max(MAX_ANNOUNCED_WORKERS),
  listed: z.array(reportedWorker).max(MAX_REPORTED_WORKERS),
})

export const capacityMessage = z.strictObject({
  type: z.literal('capacity'),
  multiaddrs: z.array(z.string().min(1).max(512)).max(MAX_ANNOUNCED_ADDRESSES),
  capacity: capacitySchema,
  /** For the receiver's dashboard only; absent from relays before it. */
  throughput: throughputSchema.optional(),
  workers: workerReport.optional(),
  /** The announcer's timer (`relays.announceIntervalSeconds`): how old is too old for its report. */
  announceIntervalSeconds: z.number().positive().max(MAX_ANNOUNCE_INTERVAL_SECONDS).optional(),
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
export type Throughput = z.infer<typeof throughputSchema>
export type ReportedWorker = z.infer<typeof reportedWorker>
export type WorkerReport = z.infer<typeof workerReport>
/** The dashboard part of an announcement. */
export type Activity = Pick<CapacityMessage, 'throughput' | 'workers' | 'announceIntervalSeconds'>
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
  const report = checkWorkerReport(message.workers)
  if (report !== undefined) return refuse('inconsistent_capacity', report)
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

/**
 * What is wrong with a worker report, if anything: no more listed than its total, and
 * each worker once. A worker's in-flight count is not compared with its concurrency (a
 * worker that lowers its concurrency keeps the tasks it holds), nor the total with the
 * capacity's workers (the announcer reads them at different moments).
 */
function checkWorkerReport(report: WorkerReport | undefined): string | undefined {
  if (report === undefined) return undefined
  if (report.listed.length > report.total)
    return `${report.listed.length} workers listed, more than their total ${report.total}`
  const ids = new Set<string>()
  for (const w of report.listed) {
    if (ids.has(w.workerId)) return `worker "${w.workerId.slice(0, 80)}" is listed twice`
    ids.add(w.workerId)
  }
  return undefined
}

function refuse(reason: RefusalReason, detail: string): AnnouncementCheck {
  return { ok: false, reason, detail }
}
