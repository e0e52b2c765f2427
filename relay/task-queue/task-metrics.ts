import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { TASK_STATES, type TaskState } from '../../shared/task/types.ts'

export interface TaskMetrics {
  submitted: Counter<'kind'>
  finished: Counter<'kind' | 'state'>
  latency: Histogram<'kind'>
  staleResults: Counter
  workers: Gauge
  /** Frames on `/mcpp/task/1.0.0` by direction and message type (batching shows here). */
  messages: Counter<'direction' | 'type'>
  /** Checked worker answers by trust level and outcome (agreed, disagreed, unverified). */
  verifications: Counter<'trust' | 'outcome'>
  /** Peers banned, by the event that crossed the line. */
  bans: Counter<'reason'>
}

/** Task queue metrics; queue depth by state is read from the store at scrape time. */
export function createTaskMetrics(
  registry: Registry,
  countsByState: () => Record<TaskState, number>,
): TaskMetrics {
  new Gauge({
    name: 'mcpp_tasks_queue_depth',
    help: 'Tasks in the durable queue by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = countsByState()
      for (const state of TASK_STATES) this.set({ state }, counts[state] ?? 0)
    },
  })
  return {
    submitted: new Counter({
      name: 'mcpp_tasks_submitted_total',
      help: 'Tasks accepted into the queue by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    finished: new Counter({
      name: 'mcpp_tasks_finished_total',
      help: 'Tasks that reached a final state, by kind and state',
      labelNames: ['kind', 'state'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'mcpp_task_latency_seconds',
      help: 'Submit-to-finish latency of tasks by kind',
      labelNames: ['kind'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30, 300],
      registers: [registry],
    }),
    staleResults: new Counter({
      name: 'mcpp_task_stale_results_total',
      help: 'Results rejected because their lease was revoked or unknown (fencing)',
      registers: [registry],
    }),
    verifications: new Counter({
      name: 'mcpp_task_verifications_total',
      help: 'Worker answers checked by quorum or spot-check, by trust level and outcome',
      labelNames: ['trust', 'outcome'],
      registers: [registry],
    }),
    bans: new Counter({
      name: 'mcpp_peer_bans_total',
      help: 'Temporary bans of peers by what caused them (violation, disagreed, timeout)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    messages: new Counter({
      name: 'mcpp_task_protocol_messages_total',
      help: 'Messages on the task protocol by direction (in, out) and type',
      labelNames: ['direction', 'type'],
      registers: [registry],
    }),
    workers: new Gauge({
      name: 'mcpp_workers_connected',
      help: 'Task workers connected to this relay',
      registers: [registry],
    }),
  }
}
