import type { OptionSpec } from '../option-spec.ts'

/** Bounds of the task queue (`tasks.*`). */
export const TASK_LIMIT_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'tasks.maxActivePerIdentity',
    flag: 'tasks-max-active-per-identity',
    env: 'MCPP_TASKS_MAX_ACTIVE_PER_IDENTITY',
    kind: 'int',
    help: 'Unfinished tasks one identity may have (default 20000)',
  },
  {
    key: 'tasks.maxActive',
    flag: 'tasks-max-active',
    env: 'MCPP_TASKS_MAX_ACTIVE',
    kind: 'int',
    help: 'Unfinished tasks in the whole queue (default 1000000)',
  },
]

/** What happens to a task of a kind no worker announced (`tasks.unknownKinds`); after the workflow and shutdown rows in --help. */
export const TASK_KIND_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'tasks.unknownKinds',
    flag: 'tasks-unknown-kinds',
    env: 'MCPP_TASKS_UNKNOWN_KINDS',
    kind: 'string',
    help: 'A submitted kind no worker ever announced and not built in: reject | warn (default reject)',
  },
]
