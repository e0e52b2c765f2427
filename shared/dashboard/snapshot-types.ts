import type { TaskState } from '../task/types.ts'
import type { WorkerStats } from '../task/worker-stats.ts'
import type { CONNECTION_TYPES, ReportedWorker, Throughput } from '../wire/announce-messages.ts'
import type { WorkflowState } from '../workflow/types.ts'

/**
 * The dashboard's snapshot (issue 13), as `GET /api/events` sends it once a second:
 * the relay builds it (relay/dashboard/snapshot.ts), the page reads it.
 */

/** How a worker reaches the relay. */
export type ConnectionType = (typeof CONNECTION_TYPES)[number]

/**
 * Cumulative counts by finite bucket upper bound (seconds), summed over every label
 * set, and the count of all observations (the +Inf bucket, which JSON cannot name).
 */
export interface Buckets {
  bounds: [le: number, count: number][]
  count: number
}

export type { ReportedWorker, Throughput, WorkerStats }

export interface WorkerView extends WorkerStats {
  /** Of `concurrency`, the tasks prefetched beyond the running slots. */
  buffer: number
  connection: ConnectionType
  /** The relay the worker is on (this one: the snapshot lists this relay's workers). */
  relay: string | null
}

export interface RelayView {
  peerId: string
  self: boolean
  /** ok (this relay, or a member whose link is up), or the link's state or last error. */
  health: string
  workers: number
  slots: number
  freeSlots: number
  queued: number
  ageMs: number | null
  /**
   * A member's tasks and calls per second, as it announced them (null for this relay,
   * whose rates the page derives from its own counters, and for members that announce
   * none).
   */
  throughput: Throughput | null
  /** Whether the member's announcement is older than a few announcement intervals. */
  stale: boolean
}

/**
 * The workers a member relay reported in its latest announcement: reported by that
 * relay, not seen by this one, and `stale` when the announcement is old.
 */
export interface MemberWorkers {
  relay: string
  /** Its connected workers; `listed` are the busiest of them. */
  total: number
  listed: ReportedWorker[]
  ageMs: number
  stale: boolean
}

/**
 * What the dashboard shows, read from the same queue, directory, workflow engine and
 * metrics registry as the MCP tools. Counters are cumulative: the page derives rates
 * and windowed percentiles from two snapshots.
 */
export interface DashboardSnapshot {
  time: number
  relay: { peerId: string | null; version: string; uptimeSeconds: number; sessions: number; tools: number }
  queue: Record<TaskState, number>
  workers: { total: number; connected: number; listed: WorkerView[]; members: MemberWorkers[] }
  relays: { total: number; listed: RelayView[] }
  workflows: Record<WorkflowState, number>
  counters: {
    tasksSucceeded: number
    tasksFailed: number
    tasksCancelled: number
    calls: number
    callErrors: number
    /** Tool call durations (router histogram), cumulative. */
    callLatency: Buckets
  }
  /** Whether actions need a bearer token (`--token` / an issuer is configured). */
  tokenRequired: boolean
}
