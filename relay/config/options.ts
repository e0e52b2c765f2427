import type { OptionSpec } from './option-spec.ts'
import { ACCESS_OPTIONS, CLIENT_AUTH_OPTIONS } from './options/access.ts'
import { AUDIT_OPTIONS } from './options/audit.ts'
import { COMPUTE_OPTIONS } from './options/compute.ts'
import { LISTEN_OPTIONS } from './options/listen.ts'
import { MCP_OPTIONS, SHUTDOWN_OPTIONS } from './options/mcp.ts'
import { RELAY_OPTIONS } from './options/relays.ts'
import { RETENTION_OPTIONS } from './options/retention.ts'
import { SQL_OPTIONS } from './options/sql.ts'
import { STORAGE_OPTIONS } from './options/storage.ts'
import { TASK_KIND_OPTIONS, TASK_LIMIT_OPTIONS } from './options/tasks.ts'
import { WORKER_OPTIONS } from './options/workers.ts'
import { WORKFLOW_OPTIONS } from './options/workflows.ts'

/**
 * Every flag/env row, one file of rows per config section (options/). The order is
 * what `--help` and the README's generated table show, so it is kept here, not
 * derived: a section whose rows are split in that order exports two arrays.
 */
export const OPTIONS: readonly OptionSpec[] = [
  ...LISTEN_OPTIONS,
  ...CLIENT_AUTH_OPTIONS,
  ...RELAY_OPTIONS,
  ...MCP_OPTIONS,
  ...COMPUTE_OPTIONS,
  ...WORKER_OPTIONS,
  ...TASK_LIMIT_OPTIONS,
  ...WORKFLOW_OPTIONS,
  ...SHUTDOWN_OPTIONS,
  ...TASK_KIND_OPTIONS,
  ...STORAGE_OPTIONS,
  ...SQL_OPTIONS,
  ...RETENTION_OPTIONS,
  ...AUDIT_OPTIONS,
  ...ACCESS_OPTIONS,
]
