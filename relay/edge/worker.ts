import pkg from '../../package.json' with { type: 'json' }
import { EdgeConfigError, parseEdgeConfig, parseRelays } from '../../shared/edge/edge-config.ts'
import { McppError } from '../../shared/errors.ts'
import { errorResponse } from '../../shared/http/error-response.ts'
import { edgeApp } from './edge-app.ts'
import { EdgeAuthenticator } from './edge-auth.ts'
import { CatalogueCache } from './edge-catalogue.ts'
import type { EdgeEnv, EdgeExecution } from './env.ts'
import { RelayPool } from './relay-pool.ts'

/**
 * The edge gateway (issue 14): a Cloudflare Worker in front of the relays. Its code is
 * this folder plus shared/, and web-standard APIs only (no Node built-ins); wrangler.toml
 * at the top level points here. One components object per Worker instance, built from
 * the bindings on the first request and rebuilt when they change.
 */

/** How often the relay list in KV (RELAYS_KV, key `relays`) is read again. */
const KV_EVERY_MS = 30_000
const DEFAULT_RATE_LIMIT_PERIOD = 60

let built:
  | { key: string; app: ReturnType<typeof edgeApp>; pool: RelayPool; kvText: string | undefined }
  | undefined
let kv: { text: string | null; at: number } | undefined

async function relaysFromKv(env: EdgeEnv): Promise<string | undefined> {
  if (env.RELAYS_KV === undefined) return undefined
  if (kv === undefined || Date.now() - kv.at > KV_EVERY_MS)
    kv = { text: await env.RELAYS_KV.get('relays'), at: Date.now() }
  return kv.text ?? undefined
}

async function appFor(env: EdgeEnv) {
  const fromKv = await relaysFromKv(env)
  const key = JSON.stringify([
    env.RELAYS,
    env.MCPP_EDGE_SECRET,
    env.MCPP_TOKEN,
    env.ACCESS_POLICY,
    env.ALLOWED_HOSTS,
    env.ALLOWED_ORIGINS,
    env.MAX_BODY_BYTES,
    env.RATE_LIMIT_PERIOD,
  ])
  if (built?.key === key) {
    if (fromKv !== undefined && fromKv !== built.kvText) {
      // A list that changed: read once. A broken one keeps the last good list working.
      try {
        built.pool.update(parseRelays('RELAYS (KV)', fromKv))
      } catch (err) {
        console.error(`edge: kept the previous relay list: ${(err as Error).message}`)
      }
      built.kvText = fromKv
    }
    return built.app
  }
  const config = parseEdgeConfig(env, fromKv)
  const pool = new RelayPool(config.relays, config.secret)
  const period = Number(env.RATE_LIMIT_PERIOD ?? DEFAULT_RATE_LIMIT_PERIOD)
  const app = edgeApp({
    config,
    pool,
    catalogue: new CatalogueCache(pool, config.access.policy),
    authn: new EdgeAuthenticator(config.token, config.access),
    version: pkg.version,
    assets: env.ASSETS,
    rateLimiter: env.RATE_LIMITER,
    rateLimitPeriod: Number.isFinite(period) && period > 0 ? period : DEFAULT_RATE_LIMIT_PERIOD,
  })
  built = { key, app, pool, kvText: fromKv }
  return app
}

export default {
  async fetch(request: Request, env: EdgeEnv, execution: EdgeExecution): Promise<Response> {
    let app: ReturnType<typeof edgeApp>
    try {
      app = await appFor(env)
    } catch (err) {
      if (!(err instanceof EdgeConfigError)) throw err
      // A broken setting answers every request with what to fix (and is in the log).
      console.error(`edge: ${err.message}`)
      return errorResponse(new McppError('UNAVAILABLE', `the edge is misconfigured: ${err.message}`), 'json')
    }
    return app.fetch(request, env, execution as never)
  },
}
