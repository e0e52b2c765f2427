import { peerIdFromString } from '@libp2p/peer-id'
import { workerRelayAddresses } from '../../shared/network/worker-relays.ts'
import type { LifecyclePart } from '../../shared/startable.ts'
import { activityReport } from '../dashboard/activity-report.ts'
import type { Logger } from '../log.ts'
import { LinkKeeper } from '../network/link-keeper.ts'
import { type NetworkPlan, networkPlan } from '../network/network-plan.ts'
import { type RelayNetwork, relayNetwork } from '../network/relay-network.ts'
import type { RelayComponents } from '../relay-components.ts'
import { admissionPolicy, tokenDigest } from '../trust/admission-policy.ts'
import { handleBlockProtocol } from './block-protocol.ts'
import { createRelayNode, type RelayNode } from './create-relay-node.ts'
import type { P2pHolder } from './p2p-holder.ts'
import { loadOrCreatePeerKey } from './peer-key.ts'
import { capacityOf, type RelayDirectory, relayDirectory } from './relay-directory.ts'
import { handleTaskProtocol, type TaskProtocol } from './task-protocol.ts'

/** What the libp2p side needs from the rest of the relay. */
export type P2pDeps = Pick<
  RelayComponents,
  'config' | 'log' | 'tasks' | 'content' | 'now' | 'metrics' | 'forwarding'
>

/**
 * The relay's libp2p side as a lifecycle part. `start()` starts the node and then
 * fills `holder`, through which tools reach it; `stop()` empties the holder, stops
 * the network side (announcements, redials), puts the leased tasks back in the queue
 * (their attempts not counted) and stops the node.
 */
export function p2pPart(deps: P2pDeps, holder: P2pHolder): LifecyclePart {
  let running: P2pSide | undefined
  return {
    name: 'libp2p',
    start: async () => {
      running = await startP2p(deps)
      holder.attach(running.node, running.directory, running.network)
    },
    stop: async () => {
      holder.detach()
      deps.forwarding.detach()
      const side = running
      running = undefined
      side?.network.stop()
      // Before the connections close: leased tasks go back without spending an attempt.
      if (side !== undefined) deps.tasks.returnLeases()
      await side?.node.stop()
    },
  }
}

export interface P2pSide {
  node: RelayNode
  directory: RelayDirectory
  network: RelayNetwork
}

/**
 * Starts the relay's libp2p side: its persistent identity, the node (WebSockets,
 * circuit relay, Helia, bootstrap and mDNS discovery), the task protocol, the relay
 * directory and the network side (links kept up, capacity announced); then the task
 * service starts assigning work. Protocols are registered before the node starts, so
 * the first identify exchange already lists them.
 */
export async function startP2p(c: P2pDeps): Promise<P2pSide> {
  const { config, log, tasks } = c
  const plan = networkPlan(config.relays, config.bootstrapPeers)
  for (const problem of plan.problems) log.warn('relay peer entry skipped', { ...problem })
  const privateKey = await loadOrCreatePeerKey(config.dataDir)
  const node = await createRelayNode({
    host: config.host,
    port: config.p2pPort,
    dataDir: config.dataDir,
    privateKey,
    // A banned peer's connections are refused as soon as its key is known (after noise).
    isBanned: (peerId) => tasks.isBanned(peerId),
    mayFetchBlocks: (peerId) => plan.members.includes(peerId),
    announce: config.p2p.announce,
    discovery: { bootstrap: plan.peers.map((p) => p.multiaddr), mdns: config.relays.mdns },
  })
  // A new ban ends the peer's current connections; its tasks go back to the queue.
  tasks.onBan(({ peerId }) => {
    void node.libp2p.hangUp(peerIdFromString(peerId)).catch(() => {})
  })
  let directory: RelayDirectory
  let network: RelayNetwork
  let taskProtocol: TaskProtocol
  try {
    taskProtocol = await handleTaskProtocol(node.libp2p, {
      tasks: tasks.workerSide,
      log,
      admission: admissionPolicy(config.workers),
      digest: tokenDigest,
      // Only filled once the node starts, after the directory exists.
      relays: () => workerRelayAddresses(directory.relays()),
    })
    await handleBlockProtocol(node.libp2p, {
      content: c.content,
      // Workers' rights, and a member relay's for the tasks handed to it (relay/forwarding/).
      access: c.forwarding.blockAccess(tasks.workerSide),
      maxOutputBytesPerTask: config.workers.maxOutputBlockBytes,
      onRefused: (peerId, code) => {
        // A member's refused block request is a race with its lease, not an attack.
        if (code !== 'NOT_FOUND' && !plan.members.includes(peerId)) tasks.workerSide.strike(peerId)
      },
      log,
    })
    const keeper = new LinkKeeper(node.libp2p, { log, now: c.now })
    for (const peer of plan.peers) keeper.keep(peer.peerId, [peer.multiaddr], peer.source)
    directory = await relayDirectory(node.libp2p, tasks, {
      members: plan.members,
      linkOf: (peerId) => keeper.linkOf(peerId),
      ttlMs: config.relays.announceTtlSeconds * 1000,
      log,
      now: c.now,
      registry: c.metrics.registry,
      activity: activityReport({
        registry: c.metrics.registry,
        workers: () => tasks.workers({ connectedOnly: true }),
        connections: () => node.libp2p.getConnections(),
        now: c.now,
        announceIntervalSeconds: config.relays.announceIntervalSeconds,
      }),
    })
    // Task hand-offs between member relays (issue 11).
    await c.forwarding.attach(node.libp2p, directory.isMember)
    network = relayNetwork(node.libp2p, {
      plan,
      keeper,
      directory,
      peersFile: config.relays.peersFile,
      mdns: config.relays.mdns,
      announceIntervalMs: config.relays.announceIntervalSeconds * 1000,
      capacity: () => capacityOf(tasks),
      onChange: (listener) => tasks.onCapacityChange(listener),
      refreshWorkers: () => taskProtocol.refreshRelays(),
      log,
    })
    await keeper.forgetUnlisted()
    await node.libp2p.start()
    network.start()
  } catch (err) {
    await node.stop()
    throw err
  }
  tasks.start()
  log.info('libp2p node listening', { peerId: node.peerId, multiaddrs: node.multiaddrs() })
  warnNonMemberPeers(plan.peers, plan.members, log)
  return { node, directory, network }
}

/**
 * Listed peers are dialled, not trusted: only members may announce capacity. A
 * bootstrap relay left out of the members is most likely an oversight.
 */
function warnNonMemberPeers(peers: NetworkPlan['peers'], members: readonly string[], log: Logger): void {
  for (const peer of peers) {
    if (!members.includes(peer.peerId)) {
      log.warn('listed relay is not in relays.members: its announcements will be refused', {
        peer: peer.multiaddr,
        source: peer.source,
      })
    }
  }
}
