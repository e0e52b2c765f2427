/**
 * Quotas per caller identity and over all callers: rates (calls per second, with
 * rate-limiter-flexible) and held amounts (sessions, streams, calls in flight). A
 * refusal is data; the HTTP layer turns it into 429 + Retry-After, the MCP layer into
 * the tool error QUOTA_EXCEEDED. Limits, holdings and refusals are in /metrics.
 */
export { HeldQuota } from './held-quota.ts'
export { Quotas } from './quotas.ts'
export { RateQuota } from './rate-quota.ts'
export { quotaError, quotaResponse } from './refusal.ts'
export { createRelayQuotas, type RelayQuotas } from './relay-quotas.ts'
export type { QuotaAcquire, QuotaCheck, QuotaLease, QuotaLimits, QuotaRefusal, QuotaScope } from './types.ts'
