import type { Libp2p } from '@libp2p/interface'
import { z } from 'zod'
import { framedChannel } from '../../shared/wire/framed-channel.ts'
import type { Logger } from '../log.ts'
import type { TaskService } from '../tasks/task-service.ts'

/** One frame per stream: a relay tells a peer relay what it can take on. */
export const ANNOUNCE_PROTOCOL = '/mcpp/announce/1.0.0'
const MAX_ANNOUNCE_BYTES = 16 * 1024
/** A relay not heard from for this long is dropped from the directory. */
const STALE_MS = 10 * 60_000

const capacitySchema = z.strictObject({
  workers: z.number().int().nonnegative(),
  slots: z.number().int().nonnegative(),
  freeSlots: z.number().int().nonnegative(),
  kinds: z.array(z.string().max(64)).max(64),
  queued: z.number().int().nonnegative(),
})
const announcement = z.strictObject({
  type: z.literal('capacity'),
  multiaddrs: z.array(z.string().max(512)).max(32),
  capacity: capacitySchema,
})

export type Capacity = z.infer<typeof capacitySchema>

export interface RelayInfo {
  peerId: string
  multiaddrs: string[]
  capacity: Capacity
  lastSeen?: number
}

export interface RelayDirectory {
  self(): RelayInfo
  relays(): RelayInfo[]
  announce(options?: { signal?: AbortSignal }): Promise<{ notified: number }>
}

/** This relay's capacity, from its connected workers and queue. */
export function capacityOf(tasks: TaskService): Capacity {
  const workers = tasks.registry.list()
  return {
    workers: workers.length,
    slots: workers.reduce((n, w) => n + w.slots, 0),
    freeSlots: workers.reduce((n, w) => n + w.freeSlots, 0),
    kinds: [...tasks.registry.taskKinds()].sort(),
    queued: tasks.store.countsByState().queued,
  }
}

/**
 * Relays publish their capacity to the relays they are connected to over
 * `/mcpp/announce/1.0.0`, and keep what others published to them.
 */
export async function relayDirectory(
  libp2p: Libp2p,
  tasks: TaskService,
  init: { log: Logger; now: () => number },
): Promise<RelayDirectory> {
  const known = new Map<string, RelayInfo>()
  const self = (): RelayInfo => ({
    peerId: libp2p.peerId.toString(),
    multiaddrs: libp2p.getMultiaddrs().map((a) => a.toString()),
    capacity: capacityOf(tasks),
  })

  await libp2p.handle(
    ANNOUNCE_PROTOCOL,
    (stream, connection) => {
      const channel = framedChannel<z.infer<typeof announcement>, never>(stream, {
        inbound: announcement,
        maxMessageBytes: MAX_ANNOUNCE_BYTES,
        onMessage: (message) => {
          const peerId = connection.remotePeer.toString()
          known.set(peerId, { peerId, ...message, lastSeen: init.now() })
          channel.close()
        },
        onInvalid: (problem, detail) => init.log.warn('bad capacity announcement', { problem, detail }),
      })
    },
    { maxInboundStreams: 8 },
  )

  return {
    self,
    relays: () => {
      const cutoff = init.now() - STALE_MS
      for (const [id, info] of known) if ((info.lastSeen ?? 0) < cutoff) known.delete(id)
      return [...known.values()]
    },
    announce: async (options = {}) => {
      const { multiaddrs, capacity } = self()
      const peers = new Set(libp2p.getConnections().map((c) => c.remotePeer))
      let notified = 0
      await Promise.all(
        [...peers].map(async (peer) => {
          const protocols = (await libp2p.peerStore.get(peer).catch(() => undefined))?.protocols ?? []
          if (!protocols.includes(ANNOUNCE_PROTOCOL)) return
          try {
            const stream = await libp2p.dialProtocol(peer, ANNOUNCE_PROTOCOL, options)
            const channel = framedChannel<never, z.infer<typeof announcement>>(stream, {
              inbound: z.never(),
              maxMessageBytes: MAX_ANNOUNCE_BYTES,
              onMessage: () => {},
            })
            await channel.send({ type: 'capacity', multiaddrs, capacity })
            channel.close()
            notified++
          } catch (err) {
            init.log.debug('announce failed', { peer: peer.toString(), error: (err as Error).message })
          }
        }),
      )
      return { notified }
    },
  }
}
