import type { Registry } from 'prom-client'
import { HeldQuota } from './held-quota.ts'
import { QuotaMetrics } from './quota-metrics.ts'
import { RateQuota } from './rate-quota.ts'
import type { QuotaLimits } from './types.ts'

/** Retry-After for a held quota, where no expiry time is known: a hint, not a promise. */
const DEFAULT_RETRY_AFTER_SECONDS = 5

/**
 * Makes quotas that share one set of metrics. Each quota has a unique name, which is
 * its `quota` label in /metrics and its name in QUOTA_EXCEEDED details.
 */
export class Quotas {
  private readonly metrics: QuotaMetrics
  private readonly names = new Set<string>()

  constructor(registry: Registry) {
    this.metrics = new QuotaMetrics(registry)
  }

  /** Events per window of `windowSeconds` (default 1: per second). */
  rate(name: string, limits: QuotaLimits, windowSeconds = 1): RateQuota {
    this.claim(name)
    return new RateQuota(name, limits, windowSeconds, this.metrics)
  }

  /** Amounts held until released (things open, in flight, queued or stored). */
  held(name: string, limits: QuotaLimits, retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS): HeldQuota {
    this.claim(name)
    return new HeldQuota(name, limits, retryAfterSeconds, this.metrics)
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`quota "${name}" is already defined`)
    this.names.add(name)
  }
}
