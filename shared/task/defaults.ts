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
/**
 * How long `p2p_taskqueue_submit` (with wait) and `p2p_taskqueue_wait` wait, by default
 * and at most: well under a typical MCP client's 60 s request timeout, so the caller
 * gets the tool's own `timedOut: true` and why, not a transport timeout (issue 10).
 */
export const DEFAULT_WAIT_MS = 50_000
export const MAX_WAIT_MS = 50_000
/** Tasks one submit call may carry. */
export const MAX_BATCH = 10_000
/** Retry backoff: the first retry waits RETRY_BASE_MS, doubling up to RETRY_MAX_MS. */
export const RETRY_BASE_MS = 500
export const RETRY_MAX_MS = 60_000
