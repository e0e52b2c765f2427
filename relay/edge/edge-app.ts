import { Hono } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { HTTPException } from 'hono/http-exception'
import type { EdgeConfig } from '../../shared/edge/edge-config.ts'
import { EDGE_HEADER_VALUE } from '../../shared/edge/edge-headers.ts'
import { type ErrorCode, McppError } from '../../shared/errors.ts'
import { dialectOf, errorResponse } from '../../shared/http/error-response.ts'
import { MCP_EXPOSED_HEADERS, MCP_REQUEST_HEADERS } from '../../shared/http/mcp-headers.ts'
import { hostAllowed, hostPolicy, originAllowed } from '../../shared/security/host-policy.ts'
import type { EdgeAuthenticator } from './edge-auth.ts'
import type { CatalogueCache } from './edge-catalogue.ts'
import { EDGE_RELAY_HEADER, mcpRoute } from './edge-mcp.ts'
import { relayP2p } from './edge-p2p.ts'
import type { AssetsBinding, RateLimitBinding } from './env.ts'
import { proxyApi } from './proxy-api.ts'
import type { RelayPool } from './relay-pool.ts'

/** Everything one Worker instance builds once from its bindings (worker.ts). */
export interface EdgeComponents {
  config: EdgeConfig
  pool: RelayPool
  catalogue: CatalogueCache
  authn: EdgeAuthenticator
  version: string
  assets: AssetsBinding | undefined
  rateLimiter: RateLimitBinding | undefined
  /** Seconds a limited client is told to wait (the limiter's period). */
  rateLimitPeriod: number
}

type EdgeEnv = { Variables: { identity: string | undefined; client: string } }

const refuse = (path: string, code: ErrorCode, message: string, headers: Record<string, string> = {}) =>
  errorResponse(new McppError(code, message), dialectOf(path), headers)

/**
 * The edge Worker's HTTP surface (issue 14): MCP at /mcp, the relays' JSON API and
 * the contribute page's relay addresses under /api, its own /healthz; the pages are
 * static assets. Host and Origin are checked as on a relay, every client is rate
 * limited, and /mcp asks for the same bearer token or access-policy token as a relay.
 */
export function edgeApp(c: EdgeComponents): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>()
  const policy = hostPolicy('0.0.0.0', c.config.allowedHosts, c.config.allowedOrigins)

  app.use('*', async (ctx, next) => {
    // Cloudflare sets CF-Connecting-IP to the client's address (wrangler dev does too).
    const address = ctx.req.header('cf-connecting-ip')
    ctx.set('client', address !== undefined && EDGE_HEADER_VALUE.test(address) ? address : 'unknown')
    return next()
  })

  for (const path of ['/mcp', '/api/*']) {
    app.use(path, async (ctx, next) => {
      if (!hostAllowed(ctx.req.header('host'), policy))
        return refuse(ctx.req.path, 'FORBIDDEN', 'Host header not allowed (ALLOWED_HOSTS)')
      if (!originAllowed(ctx.req.header('origin'), policy))
        return refuse(ctx.req.path, 'FORBIDDEN', 'Origin not allowed (ALLOWED_ORIGINS)')
      return next()
    })
    const withCors = cors({
      origin: (origin) => (originAllowed(origin, policy) ? origin : null),
      allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      allowHeaders: [...MCP_REQUEST_HEADERS],
      exposeHeaders: [...MCP_EXPOSED_HEADERS, EDGE_RELAY_HEADER],
      maxAge: 600,
    })
    // CORS headers only matter to browsers, which always send Origin (as on a relay).
    app.use(path, (ctx, next) => (ctx.req.header('origin') ? withCors(ctx, next) : next()))
    app.use(path, async (ctx, next) => {
      if (ctx.req.method === 'OPTIONS' || c.rateLimiter === undefined) return next()
      const { success } = await c.rateLimiter.limit({ key: ctx.get('client') })
      if (success) return next()
      return refuse(
        ctx.req.path,
        'QUOTA_EXCEEDED',
        `too many requests from ${ctx.get('client')}; slow down`,
        {
          'retry-after': String(c.rateLimitPeriod),
        },
      )
    })
  }

  const guard = bearerAuth<EdgeEnv>({
    verifyToken: async (token, ctx) => {
      const result = await c.authn.verify(token)
      if (result.ok) ctx.set('identity', result.identity)
      return result.ok
    },
    noAuthenticationHeader: {
      message: () => refuse('/mcp', 'UNAUTHORIZED', 'send Authorization: Bearer <token>'),
    },
    invalidAuthenticationHeader: {
      message: () => refuse('/mcp', 'INVALID_PARAMS', 'the Authorization header is not Bearer <token>'),
    },
    invalidToken: { message: () => refuse('/mcp', 'UNAUTHORIZED', 'invalid token (unknown bearer token)') },
  })
  app.use('/mcp', async (ctx, next) => {
    if (ctx.req.method === 'OPTIONS') return next()
    if (!c.authn.required && ctx.req.header('authorization') === undefined) return next()
    return guard(ctx, next)
  })
  app.use(
    '/mcp',
    bodyLimit({
      maxSize: c.config.maxBodyBytes,
      onError: () =>
        refuse('/mcp', 'TOO_LARGE', `the request body is over the limit of ${c.config.maxBodyBytes} bytes`),
    }),
  )
  app.options('/mcp', (ctx) => ctx.body(null, 204, { allow: 'GET, POST, DELETE, OPTIONS' }))
  app.all('/mcp', (ctx) =>
    mcpRoute(ctx.req.raw, { identity: ctx.get('identity'), client: ctx.get('client') }, c),
  )

  app.get('/healthz', async (ctx) => {
    const ranked = await c.pool.ranked()
    const now = Date.now()
    const relays = ranked.map((s) => ({
      url: s.url,
      up: s.downUntil <= now && s.load !== undefined,
      load: s.load ?? null,
    }))
    return ctx.json({ status: 'ok', version: c.version, edge: true, relays })
  })
  app.get('/api/p2p', (ctx) => relayP2p(ctx.req.raw, c.pool))
  app.all('/api/*', (ctx) => proxyApi(ctx.req.raw, ctx.get('client'), c.pool))

  app.notFound(async (ctx) => {
    if (c.assets !== undefined && (ctx.req.method === 'GET' || ctx.req.method === 'HEAD'))
      return c.assets.fetch(ctx.req.raw)
    return refuse(ctx.req.path, 'NOT_FOUND', `no route for ${ctx.req.method} ${ctx.req.path}`)
  })
  app.onError((err, ctx) => {
    if (err instanceof HTTPException) return err.getResponse()
    console.error('edge: unhandled error', ctx.req.path, err)
    return refuse(ctx.req.path, 'INTERNAL', 'internal error')
  })
  return app
}
