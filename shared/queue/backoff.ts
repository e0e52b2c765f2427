import { RETRY_BASE_MS, RETRY_MAX_MS } from './defaults.ts'

export interface BackoffOptions {
  baseMs?: number
  maxMs?: number
  /** A number in [0, 1) from the caller's random source; spreads retries ("full jitter" halves). */
  jitter?: number
}

/**
 * Delay before retry number `attempt` (1 = after the first failure): exponential,
 * capped, with up to half of it randomised by `jitter` so that many tasks failing
 * together do not retry in lockstep. Pure: the caller supplies the randomness.
 */
export function retryDelayMs(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? RETRY_BASE_MS
  const max = options.maxMs ?? RETRY_MAX_MS
  const exponential = Math.min(max, base * 2 ** Math.max(0, attempt - 1))
  const jitter = Math.min(Math.max(options.jitter ?? 0, 0), 0.999_999)
  return Math.round(exponential / 2 + (exponential / 2) * jitter)
}
