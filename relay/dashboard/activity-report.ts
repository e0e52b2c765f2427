import type { Connection } from '@libp2p/interface'
import type { Registry } from 'prom-client'
import { ThroughputWindow } from '../../shared/dashboard/throughput-window.ts'
import type { WorkerStats } from '../../shared/task/worker-stats.ts'
import {
  type Activity,
  MAX_REPORTED_WORKER_NAMES,
  MAX_REPORTED_WORKERS,
  MAX_WORKER_REPORT_BYTES,
  type ReportedWorker,
  reportedWorker,
  throughputSchema,
  type WorkerReport,
} from '../../shared/wire/announce-messages.ts'
import { connectionType } from './connection-type.ts'
import { counterSum } from './latency-buckets.ts'

/** The cumulative counters behind the dashboard's rates, for this relay and its announcements. */
export interface TaskCounters {
  succeeded: number
  failed: number
  cancelled: number
  /** Tool calls the router placed (whatever their outcome). */
  calls: number
  callErrors: number
}

export async function taskCounters(registry: Registry): Promise<TaskCounters> {
  const finished = (state: string) =>
    counterSum(registry, 'mcpp_tasks_finished_total', (labels) => labels.state === state)
  const decisions = (keep: (outcome: unknown) => boolean) =>
    counterSum(registry, 'mcpp_router_decisions_total', (labels) => keep(labels.outcome))
  return {
    succeeded: await finished('succeeded'),
    failed: await finished('failed'),
    cancelled: await finished('cancelled'),
    calls: await decisions((o) => o !== 'not_accepted'),
    callErrors: await decisions((o) => o !== 'ok' && o !== 'not_accepted'),
  }
}

/** Remote address of each connected peer, a direct link preferred over a relayed one. */
export function remoteAddrs(connections: readonly Connection[]): Map<string, string> {
  const byPeer = new Map<string, string>()
  for (const conn of connections) {
    const peer = conn.remotePeer.toString()
    if (!byPeer.has(peer) || !conn.remoteAddr.toString().includes('/p2p-circuit'))
      byPeer.set(peer, conn.remoteAddr.toString())
  }
  return byPeer
}

export interface ActivityReportInit {
  registry: Registry
  /** This relay's connected workers (TaskService `workers({ connectedOnly: true })`). */
  workers: () => WorkerStats[]
  connections: () => readonly Connection[]
  now: () => number
  /** This relay's `relays.announceIntervalSeconds`, so members judge how stale its report is. */
  announceIntervalSeconds: number
}

/**
 * What this relay tells its members for their dashboards (issue 13): its throughput
 * over the last minute, sampled at each announcement, and its busiest workers. Both
 * pass the wire schema before they leave: a member would refuse the whole announcement
 * for one field out of bounds, so such a field is left out instead.
 */
export function activityReport(init: ActivityReportInit): () => Promise<Activity> {
  const window = new ThroughputWindow()
  return async () => {
    const counters = await taskCounters(init.registry)
    const sample = {
      time: init.now(),
      completed: counters.succeeded,
      failed: counters.failed,
      calls: counters.calls,
    }
    const throughput = window.add(sample)
    const workers = workerReport(init.workers(), remoteAddrs(init.connections()))
    const { announceIntervalSeconds } = init
    return throughput !== undefined && throughputSchema.safeParse(throughput).success
      ? { throughput, workers, announceIntervalSeconds }
      : { workers, announceIntervalSeconds }
  }
}

const encoder = new TextEncoder()

/**
 * The busiest workers first (most tasks held, then most finished), trimmed to the
 * wire's bounds and to MAX_WORKER_REPORT_BYTES of JSON (names in other scripts take
 * up to three bytes a character).
 */
export function workerReport(all: readonly WorkerStats[], addrs: Map<string, string>): WorkerReport {
  const busiest = [...all].sort((a, b) => b.inFlight - a.inFlight || b.done + b.failed - (a.done + a.failed))
  const listed: ReportedWorker[] = []
  let bytes = 0
  for (const w of busiest) {
    if (listed.length >= MAX_REPORTED_WORKERS) break
    const parsed = reportedWorker.safeParse({
      workerId: w.workerId,
      peerId: w.peerId,
      name: w.name.slice(0, 64),
      kinds: w.kinds.slice(0, MAX_REPORTED_WORKER_NAMES),
      capabilities: w.capabilities.slice(0, MAX_REPORTED_WORKER_NAMES),
      concurrency: w.concurrency,
      slots: w.slots,
      inFlight: w.inFlight,
      done: w.done,
      failed: w.failed,
      meanMs: w.meanMs,
      draining: w.draining,
      connection: connectionType(addrs.get(w.peerId)),
    })
    if (!parsed.success) continue
    bytes += encoder.encode(JSON.stringify(parsed.data)).length + 1
    if (bytes > MAX_WORKER_REPORT_BYTES) break
    listed.push(parsed.data)
  }
  return { total: all.length, listed }
}
