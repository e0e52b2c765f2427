import { Counter, Histogram, type Registry } from 'prom-client'

export interface RetentionMetrics {
  /** Rows removed from the task queue's file, by store: tasks, workflows, expired_tasks. */
  rowsRemoved: Counter<'store'>
  /** Payload blocks deleted from the blockstore. */
  blocksRemoved: Counter
  /** Bytes an SQLite file gave back to the OS (incremental vacuum), by store: tasks, cache. */
  bytesReclaimed: Counter<'store'>
  cachePurged: Counter
  sweepDuration: Histogram
  /** Sweeps by outcome: ok, error. */
  sweeps: Counter<'outcome'>
}

/** What retention removed (issue 16: "how much retention removed" on /metrics). */
export function createRetentionMetrics(registry: Registry): RetentionMetrics {
  return {
    rowsRemoved: new Counter({
      name: 'mcpp_retention_rows_removed_total',
      help: 'Rows retention removed from the task queue, by store (tasks, workflows, expired_tasks)',
      labelNames: ['store'],
      registers: [registry],
    }),
    blocksRemoved: new Counter({
      name: 'mcpp_retention_blocks_removed_total',
      help: 'Task payload blocks retention deleted from the blockstore (no live task referenced them, not pinned)',
      registers: [registry],
    }),
    bytesReclaimed: new Counter({
      name: 'mcpp_retention_bytes_reclaimed_total',
      help: 'Bytes of free SQLite pages given back to the OS after sweeps (incremental vacuum), by store (tasks, cache)',
      labelNames: ['store'],
      registers: [registry],
    }),
    cachePurged: new Counter({
      name: 'mcpp_retention_cache_entries_purged_total',
      help: 'Expired cache entries retention purged',
      registers: [registry],
    }),
    sweepDuration: new Histogram({
      name: 'mcpp_retention_sweep_duration_seconds',
      help: 'Wall time of one retention sweep, yields between batches included',
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 30, 120, 600],
      registers: [registry],
    }),
    sweeps: new Counter({
      name: 'mcpp_retention_sweeps_total',
      help: 'Retention sweeps by outcome (ok, error)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  }
}
