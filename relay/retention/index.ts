/**
 * Retention (issue 16): what a relay that runs for months removes, and when. One sweep,
 * on a timer and off the hot path, removes finished tasks and workflows past their age
 * or count (in batches, one transaction each, yielding between them), their payload
 * blocks once nothing references them and nobody pinned them, the oldest records of
 * expired task ids, and expired cache entries; then it gives free pages back to the OS.
 *
 *   sweeper.ts            the Startable part: timer, `sweepNow()`, the order of the work
 *   block-collector.ts    payload blocks of removed rows, checked against pins and live rows
 *   retention-metrics.ts  what was removed, on /metrics
 *
 * The SQL is relay/task-queue/store/task-retention.ts, the limits' arithmetic
 * shared/task/retention.ts.
 */
export { BlockCollector } from './block-collector.ts'
export { createRetentionMetrics, type RetentionMetrics } from './retention-metrics.ts'
export { RetentionSweeper, type SweepReport } from './sweeper.ts'
