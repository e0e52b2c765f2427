import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { LifecyclePart } from '../../shared/startable.ts'
import type { Logger } from '../log.ts'
import type { RelayComponents } from '../relay-components.ts'
import { admissionPolicy, tokenDigest } from '../trust/admission-policy.ts'
import { handleBlockProtocol } from './block-protocol.ts'
import { createRelayNode, type RelayNode } from './create-relay-node.ts'
import type { P2pHolder } from './p2p-holder.ts'
import { loadOrCreatePeerKey } from './peer-key.ts'
import { type RelayDirectory, relayDirectory } from './relay-directory.ts'
import { handleTaskProtocol } from './task-protocol.ts'

/** What the libp2p side needs from the rest of the relay. */
export type P2pDeps = Pick<
  RelayComponents,
  'config' | 'log' | 'tasks' | 'content' | 'now' | 'metrics' | 'forwarding'
>

/**
 * The relay's libp2p side as a lifecycle part. `start()` starts the node and then
 * fills `holder`, through which tools reach it; `stop()` empties the holder, puts the
 * leased tasks back in the queue (their attempts not counted) and stops the node.
 */
export function p2pPart(deps: P2pDeps, holder: P2pHolder): LifecyclePart {
  let running: RelayNode | undefined
  return {
    name: 'libp2p',
    start: async () => {
      const { node, directory } = await startP2p(deps)
      running = node
      holder.attach(node, directory)
    },
    stop: async () => {
      holder.detach()
      deps.forwarding.detach()
      const node = running
      running = undefined
      // Before the connections close: leased tasks go back without spending an attempt.
      if (node !== undefined) deps.tasks.returnLeases()
      await node?.stop()
    },
  }
}

/**
 * Starts the relay's libp2p side: its persistent identity, the node (WebSockets,
 * circuit relay, Helia), the task protocol and the relay directory; then the task
 * service starts assigning work. Bootstrap peers are dialled in the background.
 */
export async function startP2p(c: P2pDeps): Promise<{ node: RelayNode; directory: RelayDirectory }> {
  const { config, log, tasks } = c
  const privateKey = await loadOrCreatePeerKey(config.dataDir)
  const node = await createRelayNode({
    host: config.host,
    port: config.p2pPort,
    dataDir: config.dataDir,
    privateKey,
    // A banned peer's connections are refused as soon as its key is known (after noise).
    isBanned: (peerId) => tasks.isBanned(peerId),
    mayFetchBlocks: (peerId) => config.relays.members.includes(peerId),
  })
  // A new ban ends the peer's current connections; its tasks go back to the queue.
  tasks.onBan(({ peerId }) => {
    void node.libp2p.hangUp(peerIdFromString(peerId)).catch(() => {})
  })
  let directory: RelayDirectory
  try {
    await handleTaskProtocol(node.libp2p, {
      tasks: tasks.workerSide,
      log,
      admission: admissionPolicy(config.workers),
      digest: tokenDigest,
    })
    await handleBlockProtocol(node.libp2p, {
      content: c.content,
      access: tasks.workerSide,
      maxOutputBytesPerTask: config.workers.maxOutputBlockBytes,
      onRefused: (peerId, code) => {
        if (code !== 'NOT_FOUND') tasks.workerSide.strike(peerId)
      },
      log,
    })
    directory = await relayDirectory(node.libp2p, tasks, {
      members: config.relays.members,
      ttlMs: config.relays.announceTtlSeconds * 1000,
      log,
      now: c.now,
      registry: c.metrics.registry,
    })
    // Task hand-offs between member relays (issue 11).
    await c.forwarding.attach(node.libp2p, directory.isMember)
  } catch (err) {
    await node.stop()
    throw err
  }
  tasks.start()
  log.info('libp2p node listening', { peerId: node.peerId, multiaddrs: node.multiaddrs() })
  warnNonMemberBootstrapPeers(config.bootstrapPeers, config.relays.members, log)
  for (const peer of config.bootstrapPeers) {
    Promise.resolve()
      .then(() => node.libp2p.dial(multiaddr(peer)))
      .catch((err: Error) => {
        log.warn('bootstrap peer unreachable', { peer, error: err.message })
      })
  }
  return { node, directory }
}

/**
 * Bootstrap peers are dialled, not trusted: only `relays.members` may announce
 * capacity. A bootstrap relay left out of the members is most likely an oversight.
 */
function warnNonMemberBootstrapPeers(
  peers: readonly string[],
  members: readonly string[],
  log: Logger,
): void {
  for (const peer of peers) {
    let peerId: string | undefined
    try {
      peerId = multiaddr(peer)
        .getComponents()
        .findLast((c) => c.name === 'p2p')?.value
    } catch {
      continue // the dial below reports an unparsable address
    }
    if (peerId !== undefined && !members.includes(peerId)) {
      log.warn('bootstrap peer is not in relays.members: its announcements will be refused', { peer })
    }
  }
}
