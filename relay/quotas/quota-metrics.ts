import { Counter, Gauge, type Registry } from 'prom-client'
import type { QuotaLimits, QuotaRefusal } from './types.ts'

/** The quota series in /metrics: each limit, what is held now, and refusals. */
export class QuotaMetrics {
  private readonly limit: Gauge<'quota' | 'scope'>
  private readonly rejections: Counter<'quota' | 'scope'>
  private readonly holdings = new Map<string, () => number>()

  constructor(registry: Registry) {
    const holdings = this.holdings
    this.limit = new Gauge({
      name: 'mcpp_quota_limit',
      help: 'Configured quota limits by quota and scope (identity: per caller; global: all callers); 0 = no limit',
      labelNames: ['quota', 'scope'],
      registers: [registry],
    })
    new Gauge({
      name: 'mcpp_quota_in_use',
      help: 'Amount currently held under a held quota (sessions, streams, concurrent calls), over all callers',
      labelNames: ['quota'],
      registers: [registry],
      // Read at scrape time, so taking and releasing cost no metric update.
      collect() {
        for (const [quota, amount] of holdings) this.set({ quota }, amount())
      },
    })
    this.rejections = new Counter({
      name: 'mcpp_quota_rejections_total',
      help: 'Requests refused by a quota, by quota and the scope whose limit was reached',
      labelNames: ['quota', 'scope'],
      registers: [registry],
    })
  }

  declare(quota: string, limits: QuotaLimits): void {
    this.limit.set({ quota, scope: 'identity' }, limits.perIdentity)
    this.limit.set({ quota, scope: 'global' }, limits.global)
    this.rejections.inc({ quota, scope: 'identity' }, 0)
    this.rejections.inc({ quota, scope: 'global' }, 0)
  }

  /** Reports what a held quota holds, read at each scrape. */
  holds(quota: string, amount: () => number): void {
    this.holdings.set(quota, amount)
  }

  refused(refusal: QuotaRefusal): void {
    this.rejections.inc({ quota: refusal.quota, scope: refusal.scope })
  }
}
