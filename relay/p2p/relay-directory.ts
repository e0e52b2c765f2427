import type { Libp2p } from '@libp2p/interface'
import type { Registry } from 'prom-client'
import { boundGroups } from '../../shared/network/member-capacity.ts'
import {
  type Activity,
  ANNOUNCE_PROTOCOL,
  type Capacity,
  MAX_ANNOUNCED_ADDRESSES,
  MAX_ANNOUNCED_KINDS,
} from '../../shared/wire/announce-messages.ts'
import type { Logger } from '../log.ts'
import type { Link } from '../network/link-keeper.ts'
import type { TaskService } from '../task-queue/index.ts'
import { handleAnnouncements } from './announce-handler.ts'
import { sendAnnouncement } from './announce-sender.ts'

export type { Capacity }

export interface RelayInfo {
  peerId: string
  multiaddrs: string[]
  capacity: Capacity
  /** When its announcement arrived (absent for this relay itself). */
  lastSeen?: number
  /** How old that announcement is; it is forgotten after `relays.announceTtlSeconds`. */
  ageMs?: number
  /** The libp2p link to it: connected, or being redialled (with the last error). */
  link?: Link | null
}

export interface AnnounceOutcome {
  /** What was announced. */
  capacity: Capacity
  /** Member relays that accepted this relay's announcement. */
  notified: number
  /** Members that answered with a refusal, and why. */
  refused: { peerId: string; reason: string; detail?: string }[]
  /** Connected members that could not be told (no answer, stream reset, dial error). */
  failed: { peerId: string; error: string }[]
}

export interface RelayDirectory {
  self(): RelayInfo
  /** Member relays whose announcement has not expired; never anyone else. */
  relays(): RelayInfo[]
  /** Whether `peerId` is a configured member relay (issue 9, "Member relays"). */
  isMember(peerId: string): boolean
  /**
   * A listed member's throughput and workers from its latest announcement, for the
   * dashboard (issue 13); kept apart from `relays()`, whose shape tools publish.
   */
  activity(peerId: string): Activity | undefined
  /** Sends this relay's capacity to every connected member relay (or to those of `to`). */
  announce(options?: { signal?: AbortSignal; to?: readonly string[] }): Promise<AnnounceOutcome>
}

export interface RelayDirectoryInit {
  /** PeerIds of the member relays (config `relays.members`, and peers-file members). */
  members: readonly string[]
  /** The link to a relay, shown beside what it announced. */
  linkOf?: (peerId: string) => Link | undefined
  /** How long an announcement stays listed. */
  ttlMs: number
  log: Logger
  now: () => number
  registry: Registry
  /** What this relay adds to its announcements for members' dashboards (relay/dashboard/activity-report.ts). */
  activity?: () => Promise<Activity>
}

/** This relay's capacity, from its connected workers and queue. */
export function capacityOf(tasks: TaskService): Capacity {
  const { byKind, ...capacity } = tasks.capacity()
  // Workers choose their kind names; a relay publishes at most what a member accepts.
  const kinds = capacity.kinds.slice(0, MAX_ANNOUNCED_KINDS)
  const kept = new Set(kinds)
  return {
    ...capacity,
    kinds,
    ...(byKind === undefined ? {} : { byKind: boundGroups(byKind.filter((k) => kept.has(k.kind))) }),
  }
}

/**
 * Member relays publish their capacity to each other over `/mcpp/announce/1.0.0`
 * (announce-handler.ts, announce-sender.ts), and each keeps what members published
 * to it, for `relays.announceTtlSeconds`. The directory lives in memory: after a
 * restart it starts empty, so a relay removed from `relays.members` is gone from it.
 */
export async function relayDirectory(
  libp2p: Libp2p,
  tasks: TaskService,
  init: RelayDirectoryInit,
): Promise<RelayDirectory> {
  const members = new Set(init.members)
  const isMember = (peerId: string) => members.has(peerId)
  const known = new Map<string, { info: RelayInfo; activity: Activity; lastSeen: number }>()
  const self = (): RelayInfo => ({
    peerId: libp2p.peerId.toString(),
    multiaddrs: libp2p
      .getMultiaddrs()
      .map((a) => a.toString())
      .slice(0, MAX_ANNOUNCED_ADDRESSES),
    capacity: capacityOf(tasks),
  })

  await handleAnnouncements(libp2p, {
    isMember,
    accept: (peerId, { type: _, multiaddrs, capacity, ...activity }) => {
      known.set(peerId, { info: { peerId, multiaddrs, capacity }, activity, lastSeen: init.now() })
    },
    log: init.log,
    now: init.now,
    registry: init.registry,
  })

  return {
    self,
    isMember,
    activity: (peerId) => {
      const entry = known.get(peerId)
      return entry !== undefined && init.now() - entry.lastSeen <= init.ttlMs ? entry.activity : undefined
    },
    relays: () => {
      const now = init.now()
      const listed: RelayInfo[] = []
      for (const [id, { info, lastSeen }] of known) {
        if (now - lastSeen > init.ttlMs) known.delete(id)
        else listed.push({ ...info, lastSeen, ageMs: now - lastSeen, link: init.linkOf?.(id) ?? null })
      }
      return listed
    },
    announce: async (options = {}) => {
      // Read before the capacity, so the capacity is as fresh as the directory can make it.
      const activity =
        (await init.activity?.().catch((err: Error) => {
          init.log.debug('activity report failed', { error: err.message })
          return undefined
        })) ?? {}
      const { multiaddrs, capacity } = self()
      const message = { type: 'capacity' as const, multiaddrs, capacity, ...activity }
      const peers = new Map(
        libp2p
          .getConnections()
          .filter((c) => isMember(c.remotePeer.toString()))
          .filter((c) => options.to === undefined || options.to.includes(c.remotePeer.toString()))
          .map((c) => [c.remotePeer.toString(), c.remotePeer]),
      )
      const outcome: AnnounceOutcome = { capacity, notified: 0, refused: [], failed: [] }
      await Promise.all(
        [...peers].map(async ([peerId, peer]) => {
          const protocols = (await libp2p.peerStore.get(peer).catch(() => undefined))?.protocols ?? []
          if (!protocols.includes(ANNOUNCE_PROTOCOL)) {
            outcome.failed.push({ peerId, error: `it does not speak ${ANNOUNCE_PROTOCOL} (yet)` })
            return
          }
          try {
            const reply = await sendAnnouncement(libp2p, peer, message, options)
            if (reply.type === 'accepted') outcome.notified++
            else {
              const { reason, detail } = reply
              outcome.refused.push({ peerId, reason, ...(detail === undefined ? {} : { detail }) })
              init.log.warn('a member relay refused our announcement', { peer: peerId, reason, detail })
            }
          } catch (err) {
            outcome.failed.push({ peerId, error: (err as Error).message })
            init.log.debug('announce failed', { peer: peerId, error: (err as Error).message })
            // A member that leaves an announcement on an open connection unanswered is
            // gone, whatever the socket says (the relay runs no libp2p pings:
            // create-relay-node.ts). Closing the link lets the link keeper redial it.
            if ((err as Error).name === 'TimeoutError' && options.signal?.aborted !== true)
              void libp2p.hangUp(peer).catch(() => {})
          }
        }),
      )
      return outcome
    },
  }
}
