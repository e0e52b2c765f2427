import type { Registry } from 'prom-client'
import type { RelayConfig } from '../config/schema.ts'
import type { HeldQuota } from './held-quota.ts'
import { Quotas } from './quotas.ts'
import type { RateQuota } from './rate-quota.ts'

/** The quotas the HTTP and MCP layers enforce; `quotas` makes more (queued tasks, stored bytes). */
export interface RelayQuotas {
  quotas: Quotas
  /** tools/call requests per second. */
  calls: RateQuota
  /** tools/call requests running at once. */
  concurrentCalls: HeldQuota
  /** Open MCP sessions (an `initialize` opens one; DELETE, idleness or shutdown close it). */
  sessions: HeldQuota
  /** Open GET /mcp SSE streams. */
  sseStreams: HeldQuota
}

export function createRelayQuotas(limits: RelayConfig['limits'], registry: Registry): RelayQuotas {
  const quotas = new Quotas(registry)
  return {
    quotas,
    calls: quotas.rate('calls_per_second', limits.callsPerSecond),
    concurrentCalls: quotas.held('concurrent_calls', limits.concurrentCalls, 1),
    // A session is freed by its client's DELETE or by the idle sweep, so retry later.
    sessions: quotas.held('sessions', limits.sessions, 30),
    sseStreams: quotas.held('sse_streams', limits.sseStreams, 5),
  }
}
