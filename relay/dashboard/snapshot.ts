import type { DashboardSnapshot, RelayView, WorkerView } from '../../shared/dashboard/snapshot-types.ts'
import { TASK_STATES, type TaskState } from '../../shared/task/types.ts'
import type { WorkflowState } from '../../shared/workflow/types.ts'
import type { RelayComponents } from '../relay-components.ts'
import type { WorkerStatsRecord } from '../task-queue/workers/worker-registry.ts'
import { connectionType } from './connection-type.ts'
import { counterSum, histogramBuckets } from './latency-buckets.ts'

/** Workers and relays listed in one snapshot at most; the totals are always exact. */
export const MAX_LISTED_WORKERS = 500
export const MAX_LISTED_RELAYS = 100

const WORKFLOW_STATES: readonly WorkflowState[] = ['running', 'succeeded', 'failed', 'cancelled']

export async function buildSnapshot(c: RelayComponents): Promise<DashboardSnapshot> {
  const registry = c.metrics.registry
  const finished = (state: string) =>
    counterSum(registry, 'mcpp_tasks_finished_total', (labels) => labels.state === state)
  const self = c.p2p.node?.peerId ?? null
  const all = c.tasks.workers({ connectedOnly: true })
  const counts = c.tasks.counts()
  return {
    time: c.now(),
    relay: {
      peerId: self,
      version: c.version,
      uptimeSeconds: (c.now() - c.startedAt) / 1000,
      sessions: c.sessions.size,
      tools: c.registry.all().length,
    },
    queue: Object.fromEntries(TASK_STATES.map((s) => [s, counts[s] ?? 0])) as Record<TaskState, number>,
    workers: {
      total: c.tasks.workers().length,
      connected: all.length,
      listed: listWorkers(all, remoteAddrs(c), self),
    },
    relays: relayViews(c, self, counts.queued ?? 0, all),
    workflows: workflowCounts(c),
    counters: {
      tasksSucceeded: await finished('succeeded'),
      tasksFailed: await finished('failed'),
      tasksCancelled: await finished('cancelled'),
      calls: await counterSum(registry, 'mcpp_router_decisions_total', (l) => l.outcome !== 'not_accepted'),
      callErrors: await counterSum(
        registry,
        'mcpp_router_decisions_total',
        (l) => l.outcome !== 'ok' && l.outcome !== 'not_accepted',
      ),
      callLatency: await histogramBuckets(registry, 'mcpp_tool_duration_seconds'),
    },
    tokenRequired: c.authn.required,
  }
}

/** Remote address of each connected peer (one libp2p walk per snapshot). */
function remoteAddrs(c: RelayComponents): Map<string, string> {
  const byPeer = new Map<string, string>()
  for (const conn of c.p2p.node?.libp2p.getConnections() ?? []) {
    const peer = conn.remotePeer.toString()
    // A direct connection names the link better than a relayed one to the same peer.
    if (!byPeer.has(peer) || !conn.remoteAddr.toString().includes('/p2p-circuit'))
      byPeer.set(peer, conn.remoteAddr.toString())
  }
  return byPeer
}

function listWorkers(
  all: WorkerStatsRecord[],
  addrs: Map<string, string>,
  relay: string | null,
): WorkerView[] {
  return all.slice(0, MAX_LISTED_WORKERS).map((w) => workerView(w, addrs, relay))
}

function workerView(w: WorkerStatsRecord, addrs: Map<string, string>, relay: string | null): WorkerView {
  return {
    ...w,
    buffer: Math.max(0, w.concurrency - w.slots),
    connection: connectionType(addrs.get(w.peerId)),
    relay,
  }
}

function relayViews(
  c: RelayComponents,
  self: string | null,
  queued: number,
  workers: WorkerStatsRecord[],
): DashboardSnapshot['relays'] {
  const own: RelayView = {
    peerId: self ?? 'this relay',
    self: true,
    health: 'ok',
    workers: workers.length,
    slots: workers.reduce((n, w) => n + w.slots, 0),
    freeSlots: workers.reduce((n, w) => n + Math.max(0, w.slots - w.inFlight), 0),
    queued,
    ageMs: null,
  }
  const members = c.p2p.directory?.relays() ?? []
  const listed = members.slice(0, MAX_LISTED_RELAYS - 1).map(
    (r): RelayView => ({
      peerId: r.peerId,
      self: false,
      health:
        r.link == null
          ? 'announced'
          : r.link.state === 'connected'
            ? 'ok'
            : (r.link.lastError ?? 'redialling'),
      workers: r.capacity.workers,
      slots: r.capacity.slots,
      freeSlots: r.capacity.freeSlots,
      queued: r.capacity.queued,
      ageMs: r.ageMs ?? null,
    }),
  )
  return { total: members.length + 1, listed: [own, ...listed] }
}

function workflowCounts(c: RelayComponents): Record<WorkflowState, number> {
  return Object.fromEntries(
    WORKFLOW_STATES.map((state) => [state, c.workflows.list({ state, limit: 1 }).total]),
  ) as Record<WorkflowState, number>
}
