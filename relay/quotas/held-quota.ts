import type { QuotaMetrics } from './quota-metrics.ts'
import type { QuotaAcquire, QuotaLimits, QuotaScope } from './types.ts'

/**
 * A quota on amounts held until released (open sessions, SSE streams, calls in flight,
 * and later queued tasks or stored bytes), per identity and global.
 *
 * Plain counters, not rate-limiter-flexible: its in-memory limiter counts a refused
 * `consume` (so a refusal must be undone, and a concurrent take sees the inflated
 * count meanwhile) and answers through promises, so a key back at zero cannot be
 * dropped without racing a new take. Held amounts need an exact, synchronous
 * check-and-take; two maps give that. Rates (calls per second) do use the library.
 */
export class HeldQuota {
  readonly name: string
  readonly limits: QuotaLimits
  private readonly held = new Map<string, number>()
  private readonly retryAfterSeconds: number
  private readonly metrics: QuotaMetrics
  private total = 0

  constructor(name: string, limits: QuotaLimits, retryAfterSeconds: number, metrics: QuotaMetrics) {
    this.name = name
    this.limits = limits
    this.retryAfterSeconds = retryAfterSeconds
    this.metrics = metrics
    metrics.declare(name, limits)
    metrics.holds(name, () => this.total)
  }

  /** What all callers hold now. */
  get inUse(): number {
    return this.total
  }

  /** What one caller holds now. */
  heldBy(identity: string): number {
    return this.held.get(identity) ?? 0
  }

  /** Holds `amount` for `identity` until the lease is released, or says which limit refused. */
  acquire(identity: string, amount = 1): QuotaAcquire {
    const own = this.heldBy(identity)
    if (this.limits.perIdentity > 0 && own + amount > this.limits.perIdentity) return this.refuse('identity')
    if (this.limits.global > 0 && this.total + amount > this.limits.global) return this.refuse('global')
    this.held.set(identity, own + amount)
    this.total += amount
    let released = false
    return {
      ok: true,
      lease: {
        release: () => {
          if (released) return
          released = true
          const left = this.heldBy(identity) - amount
          // A caller holding nothing is forgotten, so departed callers cost no memory.
          if (left > 0) this.held.set(identity, left)
          else this.held.delete(identity)
          this.total -= amount
        },
      },
    }
  }

  private refuse(scope: QuotaScope): QuotaAcquire {
    const limit = scope === 'identity' ? this.limits.perIdentity : this.limits.global
    const refusal = { quota: this.name, scope, limit, retryAfterSeconds: this.retryAfterSeconds }
    this.metrics.refused(refusal)
    return { ok: false, refusal }
  }
}
