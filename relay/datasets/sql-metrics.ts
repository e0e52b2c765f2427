import { Counter, Gauge, type Registry } from 'prom-client'
import type { SqlLimits } from './sql-limits.ts'

/** Why a statement was stopped or refused, as counted in `mcpp_sql_refused_total`. */
export type SqlRefusal = 'concurrency' | 'timeout' | 'memory'

export interface SqlMetrics {
  refused(reason: SqlRefusal): void
}

const LIMIT_NAMES: Record<keyof SqlLimits, string> = {
  timeoutSeconds: 'timeout_seconds',
  memoryLimitMb: 'memory_mb',
  tempLimitMb: 'temp_mb',
  threads: 'threads',
  maxConcurrent: 'max_concurrent',
  maxPerIdentity: 'max_per_identity',
}

export interface SqlStats {
  running: number
  waiting: number
  overdue: number
}

/** The SQL limits, the statements holding or awaiting a slot, and refusals, on `registry`. */
export function sqlMetrics(registry: Registry, limits: SqlLimits, stats: () => SqlStats): SqlMetrics {
  const limit = new Gauge({
    name: 'mcpp_sql_limit',
    help: 'Configured SQL limits (config section sql)',
    labelNames: ['limit'],
    registers: [registry],
  })
  for (const [key, name] of Object.entries(LIMIT_NAMES))
    limit.set({ limit: name }, limits[key as keyof SqlLimits])
  new Gauge({
    name: 'mcpp_sql_statements',
    help: 'SQL statements running, waiting for a slot, and overdue (answered, but not yet stopped by DuckDB; they keep their slot)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const now = stats()
      this.set({ state: 'running' }, now.running)
      this.set({ state: 'waiting' }, now.waiting)
      this.set({ state: 'overdue' }, now.overdue)
    },
  })
  const refused = new Counter({
    name: 'mcpp_sql_refused_total',
    help: 'SQL statements refused or stopped by a limit: concurrency, timeout, memory',
    labelNames: ['reason'],
    registers: [registry],
  })
  return { refused: (reason) => refused.inc({ reason }) }
}
