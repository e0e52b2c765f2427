import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible'
import type { QuotaMetrics } from './quota-metrics.ts'
import type { QuotaCheck, QuotaLimits, QuotaScope } from './types.ts'

/**
 * rate-limiter-flexible rejects its promise with the RateLimiterRes when a key is over
 * its points, and with an Error only on a fault; this turns the first into data.
 */
async function consume(
  limiter: RateLimiterMemory,
  key: string,
  amount: number,
): Promise<{ ok: boolean; res: RateLimiterRes }> {
  try {
    return { ok: true, res: await limiter.consume(key, amount) }
  } catch (err) {
    if (err instanceof Error) throw err
    return { ok: false, res: err as RateLimiterRes }
  }
}

/**
 * A quota on events per time window (calls per second), per identity and global, with
 * rate-limiter-flexible's in-memory fixed-window limiter. An event refused by the
 * global limit is given back to the caller's own count, since it did not happen.
 */
export class RateQuota {
  readonly name: string
  readonly limits: QuotaLimits
  private readonly perIdentity: RateLimiterMemory | undefined
  private readonly global: RateLimiterMemory | undefined
  private readonly metrics: QuotaMetrics

  constructor(name: string, limits: QuotaLimits, windowSeconds: number, metrics: QuotaMetrics) {
    this.name = name
    this.limits = limits
    this.metrics = metrics
    const limiter = (points: number) =>
      points > 0 ? new RateLimiterMemory({ points, duration: windowSeconds, keyPrefix: name }) : undefined
    this.perIdentity = limiter(limits.perIdentity)
    this.global = limiter(limits.global)
    metrics.declare(name, limits)
  }

  /** Counts `amount` events for `identity`, or says which limit refused them. */
  async take(identity: string, amount = 1): Promise<QuotaCheck> {
    const key = `id:${identity}`
    if (this.perIdentity) {
      const own = await consume(this.perIdentity, key, amount)
      if (!own.ok) {
        // The limiter counts refused points too; a refused event did not happen, so give them back.
        await this.perIdentity.reward(key, amount)
        return this.refuse('identity', own.res.msBeforeNext)
      }
    }
    if (this.global) {
      const all = await consume(this.global, 'global', amount)
      if (!all.ok) {
        await this.global.reward('global', amount)
        await this.perIdentity?.reward(key, amount)
        return this.refuse('global', all.res.msBeforeNext)
      }
    }
    return { ok: true }
  }

  private refuse(scope: QuotaScope, msBeforeNext: number): QuotaCheck {
    const limit = scope === 'identity' ? this.limits.perIdentity : this.limits.global
    const refusal = {
      quota: this.name,
      scope,
      limit,
      retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)),
    }
    this.metrics.refused(refusal)
    return { ok: false, refusal }
  }
}
