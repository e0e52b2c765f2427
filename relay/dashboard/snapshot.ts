import type {
  DashboardSnapshot,
  MemberWorkers,
  RelayView,
  WorkerView,
} from '../../shared/dashboard/snapshot-types.ts'
import { TASK_STATES, type TaskState } from '../../shared/task/types.ts'
import type { WorkflowState } from '../../shared/workflow/types.ts'
import type { RelayInfo } from '../p2p/relay-directory.ts'
import type { RelayComponents } from '../relay-components.ts'
import type { WorkerStatsRecord } from '../task-queue/workers/worker-registry.ts'
import { remoteAddrs, taskCounters } from './activity-report.ts'
import { connectionType } from './connection-type.ts'
import { histogramBuckets } from './latency-buckets.ts'

/** Workers and relays listed in one snapshot at most; the totals are always exact. */
export const MAX_LISTED_WORKERS = 500
export const MAX_LISTED_RELAYS = 100
/** Member relays' reported workers listed in one snapshot at most, over all members. */
export const MAX_LISTED_MEMBER_WORKERS = 500
/**
 * A member's announcement older than this many of its announcement intervals (ours,
 * for members that do not say theirs) is stale.
 */
export const STALE_AFTER_INTERVALS = 3

const WORKFLOW_STATES: readonly WorkflowState[] = ['running', 'succeeded', 'failed', 'cancelled']

export async function buildSnapshot(c: RelayComponents): Promise<DashboardSnapshot> {
  const registry = c.metrics.registry
  const counters = await taskCounters(registry)
  const self = c.p2p.node?.peerId ?? null
  const all = c.tasks.workers({ connectedOnly: true })
  const counts = c.tasks.counts()
  const ownInterval = c.config.relays.announceIntervalSeconds
  const isStale = (r: RelayInfo) =>
    (r.ageMs ?? 0) >
    STALE_AFTER_INTERVALS *
      (c.p2p.directory?.activity(r.peerId)?.announceIntervalSeconds ?? ownInterval) *
      1000
  const known = c.p2p.directory?.relays() ?? []
  const members = known.slice(0, MAX_LISTED_RELAYS - 1)
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
      listed: listWorkers(all, remoteAddrs(c.p2p.node?.libp2p.getConnections() ?? []), self),
      members: memberWorkers(c, members, isStale),
    },
    relays: relayViews(c, { total: known.length, members, isStale }, self, counts.queued ?? 0, all),
    workflows: workflowCounts(c),
    counters: {
      tasksSucceeded: counters.succeeded,
      tasksFailed: counters.failed,
      tasksCancelled: counters.cancelled,
      calls: counters.calls,
      callErrors: counters.callErrors,
      callLatency: await histogramBuckets(registry, 'mcpp_tool_duration_seconds'),
    },
    tokenRequired: c.authn.required,
  }
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

/** The workers each listed member reported, up to MAX_LISTED_MEMBER_WORKERS in all. */
function memberWorkers(
  c: RelayComponents,
  members: RelayInfo[],
  isStale: (r: RelayInfo) => boolean,
): MemberWorkers[] {
  let room = MAX_LISTED_MEMBER_WORKERS
  const out: MemberWorkers[] = []
  for (const r of members) {
    const report = c.p2p.directory?.activity(r.peerId)?.workers
    if (report === undefined) continue
    const listed = report.listed.slice(0, room)
    room -= listed.length
    out.push({ relay: r.peerId, total: report.total, listed, ageMs: r.ageMs ?? 0, stale: isStale(r) })
  }
  return out
}

function relayViews(
  c: RelayComponents,
  known: { total: number; members: RelayInfo[]; isStale: (r: RelayInfo) => boolean },
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
    throughput: null,
    stale: false,
  }
  const { members, isStale } = known
  const listed = members.map(
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
      throughput: c.p2p.directory?.activity(r.peerId)?.throughput ?? null,
      stale: isStale(r),
    }),
  )
  return { total: known.total + 1, listed: [own, ...listed] }
}

function workflowCounts(c: RelayComponents): Record<WorkflowState, number> {
  return Object.fromEntries(
    WORKFLOW_STATES.map((state) => [state, c.workflows.list({ state, limit: 1 }).total]),
  ) as Record<WorkflowState, number>
}
