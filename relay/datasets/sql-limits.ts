/** The limits every DuckDB statement runs under (config section `sql`). */
export interface SqlLimits {
  /** Longest a statement may take, waiting for a free slot included; then it is interrupted. */
  timeoutSeconds: number
  /** DuckDB `memory_limit`, for the whole engine (DuckDB has no per-query limit). */
  memoryLimitMb: number
  /** DuckDB `max_temp_directory_size`: what statements may spill to disk beyond memory. */
  tempLimitMb: number
  /** DuckDB `threads`, shared by every running statement. */
  threads: number
  /** Statements running at once, over every caller. */
  maxConcurrent: number
  /** Statements one identity may have running or waiting; anonymous callers share one. */
  maxPerIdentity: number
}

/**
 * Defaults for a small relay. Every running statement holds one of Node's libuv pool
 * threads (four unless UV_THREADPOOL_SIZE says otherwise) for as long as it runs, and
 * file, DNS and crypto work queue behind them, so `maxConcurrent` stays below the pool
 * size; `maxPerIdentity` below `maxConcurrent` means one identity never holds every slot.
 */
export const DEFAULT_SQL_LIMITS: SqlLimits = {
  timeoutSeconds: 30,
  memoryLimitMb: 1024,
  tempLimitMb: 4096,
  threads: 2,
  maxConcurrent: 3,
  maxPerIdentity: 2,
}
