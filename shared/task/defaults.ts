/** Queue defaults, applied with `??` where a task spec is read. */
export const DEFAULT_PRIORITY = 0
/** Priorities run from MIN_PRIORITY to MAX_PRIORITY; higher runs first. */
export const MIN_PRIORITY = -1000
export const MAX_PRIORITY = 1000
export const DEFAULT_MAX_ATTEMPTS = 3
export const DEFAULT_TASK_TIMEOUT_MS = 60_000
export const MAX_TASK_TIMEOUT_MS = 3_600_000
/** A lease lasts this long unless the worker's heartbeats renew it. */
export const DEFAULT_LEASE_MS = 30_000
export const DEFAULT_HEARTBEAT_MS = 5_000
/** Tasks one submit call may carry. */
export const MAX_BATCH = 10_000
/** Retry backoff: the first retry waits RETRY_BASE_MS, doubling up to RETRY_MAX_MS. */
export const RETRY_BASE_MS = 500
export const RETRY_MAX_MS = 60_000
