import type { OptionSpec } from '../option-spec.ts'

/** Bounds of workflows (`workflows.*`). */
export const WORKFLOW_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'workflows.maxRunningPerIdentity',
    flag: 'workflows-max-running-per-identity',
    env: 'MCPP_WORKFLOWS_MAX_RUNNING_PER_IDENTITY',
    kind: 'int',
    help: 'Running workflows one identity may have (default 1000)',
  },
  {
    key: 'workflows.maxRunning',
    flag: 'workflows-max-running',
    env: 'MCPP_WORKFLOWS_MAX_RUNNING',
    kind: 'int',
    help: 'Running workflows on this relay (default 20000)',
  },
  {
    key: 'workflows.maxItemsPerWorkflow',
    flag: 'workflows-max-items-per-workflow',
    env: 'MCPP_WORKFLOWS_MAX_ITEMS_PER_WORKFLOW',
    kind: 'int',
    help: 'Map items one workflow may hold across its map steps (default 100000)',
  },
]
