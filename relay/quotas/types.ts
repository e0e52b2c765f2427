/** A limit per caller identity and one over all callers together; 0 means no limit. */
export interface QuotaLimits {
  perIdentity: number
  global: number
}

export type QuotaScope = 'identity' | 'global'

/** Why a quota refused: which one, at which scope, its limit, and when to try again. */
export interface QuotaRefusal {
  quota: string
  scope: QuotaScope
  limit: number
  retryAfterSeconds: number
}

export type QuotaCheck = { ok: true } | { ok: false; refusal: QuotaRefusal }

/** What a held quota hands out: the amount stays counted until `release` (idempotent). */
export interface QuotaLease {
  release(): void
}

export type QuotaAcquire = { ok: true; lease: QuotaLease } | { ok: false; refusal: QuotaRefusal }
