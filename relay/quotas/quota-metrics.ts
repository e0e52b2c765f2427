import { Counter, Gauge, type Registry } from 'prom-client'
import type { QuotaLimits, QuotaRefusal } from './types.ts'

/** The quota series in /metrics: each limit, what is held now, and refusals. */
export class QuotaMetrics {
  private readonly limit: Gauge<'quota' | 'scope'>
  private readonly inUse: Gauge<'quota'>
  private readonly rejections: Counter<'quota' | 'scope'>

  constructor(registry: Registry) {
    this.limit = new Gauge({
      name: 'mcpp_quota_limit',
      help: 'Configured quota limits by quota and scope (identity: per caller; global: all callers); 0 = no limit',
      labelNames: ['quota', 'scope'],
      registers: [registry],
    })
    this.inUse = new Gauge({
      name: 'mcpp_quota_in_use',
      help: 'Amount currently held under a held quota (sessions, streams, concurrent calls), over all callers',
      labelNames: ['quota'],
      registers: [registry],
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

  held(quota: string, amount: number): void {
    this.inUse.set({ quota }, amount)
  }

  refused(refusal: QuotaRefusal): void {
    this.rejections.inc({ quota: refusal.quota, scope: refusal.scope })
  }
}
