import type { OptionSpec } from '../option-spec.ts'

/** How long finished tasks, workflows and their blocks are kept (`retention.*`). */
export const RETENTION_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'retention.taskMaxAgeSeconds',
    flag: 'retention-task-max-age-seconds',
    env: 'MCPP_RETENTION_TASK_MAX_AGE_SECONDS',
    kind: 'int',
    help: 'Finished tasks and workflows older than this are removed with their payload blocks (default 604800, 7 days)',
  },
  {
    key: 'retention.taskMaxCount',
    flag: 'retention-task-max-count',
    env: 'MCPP_RETENTION_TASK_MAX_COUNT',
    kind: 'int',
    help: 'Finished tasks (and workflows) kept at most; the oldest go first (default 100000)',
  },
  {
    key: 'retention.sweepIntervalSeconds',
    flag: 'retention-sweep-interval-seconds',
    env: 'MCPP_RETENTION_SWEEP_INTERVAL_SECONDS',
    kind: 'int',
    help: 'How often retention sweeps finished tasks, blocks and expired cache entries (default 60)',
  },
  {
    key: 'retention.batchSize',
    flag: 'retention-batch-size',
    env: 'MCPP_RETENTION_BATCH_SIZE',
    kind: 'int',
    help: 'Rows a retention sweep removes per transaction, yielding between batches (default 500)',
  },
]
