import type { Libp2p, PeerInfo, Startable } from '@libp2p/interface'
import type { PeerListProblem } from '../../shared/network/peer-list.ts'
import type { Logger } from '../log.ts'
import type { RelayDirectory } from '../p2p/relay-directory.ts'
import { CapacityAnnouncer, type CapacityAnnouncerInit } from './capacity-announcer.ts'
import type { Link, LinkKeeper } from './link-keeper.ts'
import type { NetworkPlan } from './network-plan.ts'

/** What /api/status shows about the network (issue 11). */
export interface NetworkStatus {
  discovery: { bootstrapPeers: number; peersFile: string | null; mdns: boolean }
  members: number
  announceIntervalMs: number
  /** Configured entries that were skipped, and why. */
  problems: PeerListProblem[]
  /** The relays this relay keeps connected, with their state. */
  links: Link[]
}

export interface RelayNetworkInit extends Pick<CapacityAnnouncerInit, 'capacity' | 'onChange'> {
  plan: NetworkPlan
  keeper: LinkKeeper
  directory: RelayDirectory
  peersFile: string | undefined
  mdns: boolean
  announceIntervalMs: number
  /**
   * Called every RELAY_LIST_CHECK_MS while running, so connected workers learn member
   * relays that appeared or expired (task-protocol.ts sends `welcome` again on a change).
   */
  refreshWorkers?: () => void
  log: Logger
}

export const RELAY_LIST_CHECK_MS = 5_000

export interface RelayNetwork extends Startable {
  status(): NetworkStatus
}

/**
 * The relay's network side, built before its node starts and started once it runs: the link keeper, the capacity
 * announcer, and mDNS finds (members only: anyone on the LAN can answer mDNS).
 */
export function relayNetwork(libp2p: Libp2p, init: RelayNetworkInit): RelayNetwork {
  const { keeper, directory, plan, log } = init
  const announcer = new CapacityAnnouncer(libp2p, directory, {
    intervalMs: init.announceIntervalMs,
    capacity: init.capacity,
    onChange: init.onChange,
    log,
  })
  const onDiscovery = (event: CustomEvent<PeerInfo>) => {
    const peerId = event.detail.id.toString()
    if (!directory.isMember(peerId)) return
    keeper.keep(
      peerId,
      event.detail.multiaddrs.map((a) => a.toString()),
      'mdns',
    )
  }
  // Listening before the node starts: mDNS answers to its first query can come at once.
  if (init.mdns) libp2p.addEventListener('peer:discovery', onDiscovery)
  let listCheck: ReturnType<typeof setInterval> | undefined
  return {
    start: () => {
      keeper.start()
      announcer.start()
      const refresh = init.refreshWorkers
      if (refresh !== undefined) {
        listCheck = setInterval(refresh, RELAY_LIST_CHECK_MS)
        listCheck.unref?.()
      }
    },
    stop: () => {
      clearInterval(listCheck)
      libp2p.removeEventListener('peer:discovery', onDiscovery)
      announcer.stop()
      keeper.stop()
    },
    status: () => ({
      discovery: {
        bootstrapPeers: plan.peers.filter((p) => p.source === 'bootstrap-peers').length,
        peersFile: init.peersFile ?? null,
        mdns: init.mdns,
      },
      members: plan.members.length,
      announceIntervalMs: init.announceIntervalMs,
      problems: plan.problems,
      links: keeper.links(),
    }),
  }
}
