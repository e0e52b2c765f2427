import { RETRY_BASE_MS, RETRY_MAX_MS } from './defaults.ts'

export interface BackoffOptions {
  baseMs?: number | undefined
  maxMs?: number | undefined
  /**
   * A number in [0, 1) from the caller's random source. It shortens the delay by up to
   * half, so that many tasks failing together do not retry in lockstep. Omitted = 0.
   */
  jitter?: number | undefined
}

/**
 * Delay before the retry that follows failed attempt number `attempt` (1 = the first
 * attempt failed): `baseMs * 2^(attempt - 1)`, capped at `maxMs`, then shortened by
 * `jitter`. Pure and deterministic: the caller supplies the randomness.
 */
export function retryDelayMs(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? RETRY_BASE_MS
  const max = options.maxMs ?? RETRY_MAX_MS
  const step = Number.isFinite(attempt) ? Math.max(0, Math.floor(attempt) - 1) : 0
  // 2 ** step overflows to Infinity for huge attempts; Math.min caps it.
  const exponential = Math.max(0, Math.min(max, base * 2 ** step))
  const jitter = Math.min(Math.max(options.jitter ?? 0, 0), 0.999_999)
  return Math.round(exponential * (1 - jitter / 2))
}
