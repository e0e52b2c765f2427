import { join } from 'node:path'
import { Counter, type Registry } from 'prom-client'
import { DEFAULT_HEARTBEAT_MS, DEFAULT_LEASE_MS } from '../../shared/task/defaults.ts'
import type { Logger } from '../log.ts'
import type { ContentStore } from '../p2p/content-store.ts'
import { PeerStandingStore } from '../trust/peer-standing-store.ts'
import { Verifier } from '../trust/verifier.ts'
import { TaskStore } from './store/task-store.ts'
import { createTaskMetrics, type TaskMetrics } from './task-metrics.ts'
import { TaskPolicy, type TaskPolicyInit } from './task-policy.ts'
import { TaskService } from './task-service.ts'
import { WorkerRegistry } from './workers/worker-registry.ts'

/** How often leases, task timeouts and retry backoffs are checked. */
const TICK_MS = 250

export interface TaskServiceOptions {
  dataDir: string
  policy: TaskPolicyInit
  content: ContentStore
  now: () => number
  log: Logger
  registry: Registry
  /** Whether a member relay's workers run a kind now (tasks.unknownKinds accepts it, to forward it). */
  membersRun?: (kind: string) => boolean
}

/**
 * Opens the durable queue in the data directory and builds the task service. Tasks
 * that were leased when the relay stopped go back to the queue: no worker holds a
 * lease across a restart (their connections died with the old process).
 */
export function createTaskService(options: TaskServiceOptions): TaskService {
  // Each file opened is closed again if a later step throws.
  const store = new TaskStore(join(options.dataDir, 'tasks.db'), options.now)
  try {
    return build(store, options)
  } catch (err) {
    store.close()
    throw err
  }
}

function build(store: TaskStore, options: TaskServiceOptions): TaskService {
  const released = store.releaseAll({
    code: 'RELAY_RESTARTED',
    message: 'the relay restarted during this attempt',
  })
  if (released.length > 0)
    options.log.info('re-queued tasks leased before a restart', { tasks: released.length })
  const metrics = createTaskMetrics(options.registry, () => store.countsByState())
  const standing = new PeerStandingStore(join(options.dataDir, 'peers.db'), options.now)
  try {
    return service(store, standing, metrics, options)
  } catch (err) {
    standing.close()
    throw err
  }
}

function service(
  store: TaskStore,
  standing: PeerStandingStore,
  metrics: TaskMetrics,
  options: TaskServiceOptions,
): TaskService {
  return new TaskService({
    store,
    content: options.content,
    registry: new WorkerRegistry(),
    metrics,
    log: options.log,
    now: options.now,
    leaseMs: DEFAULT_LEASE_MS,
    heartbeatMs: DEFAULT_HEARTBEAT_MS,
    tickMs: TICK_MS,
    standing,
    verifier: new Verifier(),
    policy: new TaskPolicy(options.policy),
    ...(options.membersRun === undefined ? {} : { membersRun: options.membersRun }),
    violations: new Counter({
      name: 'mcpp_task_protocol_violations_total',
      help: 'Task protocol streams reset for garbage, oversized or invalid messages, by problem',
      labelNames: ['problem'],
      registers: [options.registry],
    }),
  })
}
