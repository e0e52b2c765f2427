import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import type { RelayDirectory } from '../../p2p/relay-directory.ts'
import type { TaskService } from '../../task-queue/index.ts'

const workerStats = z.object({
  workerId: z.string(),
  peerId: z.string(),
  name: z.string(),
  kinds: z.array(z.string()),
  capabilities: z.array(z.string()),
  concurrency: z.number().int().describe('Tasks the worker accepts at once: compute slots plus buffer'),
  slots: z.number().int().describe('Tasks it runs at once (the rest of concurrency is buffer)'),
  meanTaskMs: z.number().nullable().describe('Running mean of recent task durations, which sizes the buffer'),
  connected: z.boolean(),
  draining: z.boolean(),
  inFlight: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  meanMs: z.number().nullable(),
  connectedAt: z.number(),
  lastSeen: z.number(),
  userAgent: z.string().optional(),
})

const capacity = z.object({
  workers: z.number().int(),
  slots: z.number().int(),
  freeSlots: z.number().int(),
  kinds: z.array(z.string()),
  queued: z.number().int(),
  inFlight: z.number().int().optional().describe('Tasks its workers hold now'),
  byKind: z
    .array(
      z.object({
        kind: z.string(),
        workers: z.number().int(),
        freeSlots: z.number().int(),
        groups: z
          .array(
            z.object({
              capabilities: z.array(z.string()),
              workers: z.number().int(),
              freeSlots: z.number().int(),
            }),
          )
          .optional()
          .describe('Its workers by set of capabilities (gpu, mcpp:member, …), with their free slots'),
      }),
    )
    .optional()
    .describe('Per task kind: workers that run it and their free slots'),
})

const relayInfo = z.object({
  peerId: z.string(),
  multiaddrs: z.array(z.string()),
  capacity,
  lastSeen: z.number().optional().describe('When its announcement arrived (absent for this relay)'),
  ageMs: z
    .number()
    .optional()
    .describe('Age of that announcement; it is dropped after relays.announceTtlSeconds'),
  link: z
    .object({
      state: z.enum(['connected', 'redialling']),
      source: z.string(),
      since: z.number(),
      failedDials: z.number().int(),
      lastError: z.string().optional(),
      nextDialAt: z.number().optional(),
    })
    .nullable()
    .optional()
    .describe('The libp2p link to it: connected, or redialled with the last error (null: not connected)'),
})

export function workerTools(tasks: TaskService, directory: RelayDirectory) {
  const stats = defineTool({
    name: 'p2p_taskqueue_worker_stats',
    category: 'p2p_taskqueue',
    description:
      'Per-worker statistics: the task kinds it runs, capabilities, slots, in-flight tasks, done, failed, mean task time, last seen',
    input: z.object({
      workerId: z.string().optional().describe('Only this worker'),
      connectedOnly: z.boolean().default(false).describe('Only workers connected now'),
    }),
    output: z.object({ workers: z.array(workerStats) }),
    annotations: {
      title: 'Worker statistics',
      readOnlyHint: true,
      idempotentHint: false,
      openWorldHint: false,
    },
    handlers: {
      local: async ({ workerId, connectedOnly }) => ({ workers: tasks.workers({ workerId, connectedOnly }) }),
    },
  })

  const discover = defineTool({
    name: 'p2p_taskqueue_discover_peers',
    category: 'p2p_taskqueue',
    description:
      'The workers connected to this relay and the member relays that announced their capacity to it (never non-members), with capabilities and capacity',
    input: z.object({}),
    output: z.object({ self: relayInfo, workers: z.array(workerStats), relays: z.array(relayInfo) }),
    annotations: { title: 'Discover peers', readOnlyHint: true, idempotentHint: false, openWorldHint: true },
    handlers: {
      local: async () => ({
        self: directory.self(),
        workers: tasks.workers({ connectedOnly: true }),
        relays: directory.relays(),
      }),
    },
  })

  const announce = defineTool({
    name: 'p2p_taskqueue_announce',
    category: 'p2p_taskqueue',
    description:
      "Publish this relay's capacity (workers, free slots, task kinds, queue depth) now to the connected member relays (relays.members); each answers accepted or refused",
    input: z.object({}),
    output: z.object({
      capacity,
      notified: z.number().int().describe('Member relays that accepted the announcement'),
      refused: z
        .array(z.object({ peerId: z.string(), reason: z.string(), detail: z.string().optional() }))
        .describe('Members that refused it (e.g. not_member: this relay is not in their relays.members)'),
      failed: z
        .array(z.object({ peerId: z.string(), error: z.string() }))
        .describe('Connected members that could not be told'),
    }),
    annotations: {
      title: 'Announce capacity',
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    },
    handlers: {
      local: (_input, ctx) => directory.announce({ signal: ctx.signal }),
    },
  })

  const heartbeat = defineTool({
    name: 'p2p_taskqueue_heartbeat',
    category: 'p2p_taskqueue',
    description:
      "Renew a connected worker's task leases and liveness now (the wire protocol does this automatically)",
    input: z.object({ workerId: z.string().min(1).describe('A connected worker') }),
    output: z.object({ workerId: z.string(), leasesRenewed: z.number().int(), lastSeen: z.number() }),
    annotations: {
      title: 'Worker heartbeat',
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    },
    handlers: {
      local: async ({ workerId }) => {
        const renewed = tasks.renewLeases(workerId)
        if (!renewed) throw new McppError('NOT_FOUND', `no connected worker "${workerId}"`, { workerId })
        return { workerId, ...renewed }
      },
    },
  })

  const shutdown = defineTool({
    name: 'p2p_taskqueue_shutdown',
    category: 'p2p_taskqueue',
    description:
      'Gracefully drain one worker or all: stop assigning, let in-flight tasks finish, re-queue what is left at the deadline',
    input: z.object({
      workerId: z.string().optional().describe('One worker; all connected workers if omitted'),
      deadlineMs: z
        .number()
        .int()
        .min(0)
        .max(600_000)
        .default(30_000)
        .describe('Re-queue unfinished tasks after this'),
      reason: z.string().max(256).default('shutdown requested').describe('Told to the workers'),
    }),
    output: z.object({ workers: z.array(z.string()), deadlineMs: z.number().int() }),
    annotations: {
      title: 'Drain workers',
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    handlers: {
      local: async ({ workerId, deadlineMs, reason }) => {
        const workers = tasks.drain(workerId, deadlineMs, reason)
        if (!workers) throw new McppError('NOT_FOUND', `no connected worker "${workerId}"`, { workerId })
        return { workers, deadlineMs }
      },
    },
  })

  return [stats, discover, announce, heartbeat, shutdown]
}
