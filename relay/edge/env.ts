import type { EdgeVars } from '../../shared/edge/edge-config.ts'

/**
 * The edge Worker's bindings (wrangler.toml). Declared here, as the small subsets the
 * code uses, instead of taking @cloudflare/workers-types: that package would admit every
 * workerd global into this folder's type check, and these four are all it touches.
 */
export interface AssetsBinding {
  fetch(request: Request): Promise<Response>
}

/** A KV namespace holding `relays`: the relay list, changed without a redeploy. */
export interface KvBinding {
  get(key: string): Promise<string | null>
}

/** Cloudflare's rate limiting binding (`[[ratelimits]]`): counts per key and period. */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>
}

export interface EdgeEnv extends EdgeVars {
  ASSETS?: AssetsBinding
  RELAYS_KV?: KvBinding
  RATE_LIMITER?: RateLimitBinding
  /** The period of RATE_LIMITER in seconds (10 or 60), told to clients in Retry-After. */
  RATE_LIMIT_PERIOD?: string
}

/** What the Worker may hand to work that outlives the response (a probe, a refresh). */
export interface EdgeExecution {
  waitUntil(promise: Promise<unknown>): void
}
