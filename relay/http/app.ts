import { getConnInfo } from '@hono/node-server/conninfo'
import { type Context, Hono } from 'hono'
import { cors } from 'hono/cors'
import { HTTPException } from 'hono/http-exception'
import { McppError } from '../../shared/errors.ts'
import { dialectOf, errorResponse, internalErrorResponse } from '../../shared/http/error-response.ts'
import { MCP_EXPOSED_HEADERS, MCP_REQUEST_HEADERS } from '../../shared/http/mcp-headers.ts'
import { hostAllowed, hostPolicy, originAllowed } from '../../shared/security/host-policy.ts'
import type { Caller } from '../mcp/sessions.ts'
import type { RelayComponents } from '../relay-components.ts'
import { isStorageFull, storageFullError } from '../storage/storage-full.ts'
import { apiRoutes } from './api-routes.ts'
import { type AuthEnv, bearerAuthentication } from './bearer-auth.ts'
import { edgeAccess, viaEdge } from './edge-access.ts'
import { pageRoutes } from './pages.ts'
import { protectedResourceRoutes } from './protected-resource.ts'

/** The relay's HTTP surface: MCP at /mcp, JSON API, health and metrics. */
export function createHttpApp(c: RelayComponents): Hono<AuthEnv> {
  const { config, metrics } = c
  const app = new Hono<AuthEnv>()
  const policy = hostPolicy(config.host, config.allowedHosts, config.allowedOrigins)

  app.use('*', async (ctx, next) => {
    const started = performance.now()
    await next()
    const route = ctx.req.routePath
    metrics.httpRequests.inc({ method: ctx.req.method, route, status: String(ctx.res.status) })
    metrics.httpDuration.observe({ method: ctx.req.method, route }, (performance.now() - started) / 1000)
  })

  const withCors = cors({
    origin: (origin) => (originAllowed(origin, policy) ? origin : null),
    allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowHeaders: [...MCP_REQUEST_HEADERS],
    exposeHeaders: [...MCP_EXPOSED_HEADERS],
    maxAge: 600,
  })

  for (const path of ['/mcp', '/api/*']) {
    app.use(path, async (ctx, next) => {
      if (!hostAllowed(ctx.req.header('host'), policy)) {
        return errorResponse(new McppError('FORBIDDEN', 'Host header not allowed'), dialectOf(ctx.req.path))
      }
      if (!originAllowed(ctx.req.header('origin'), policy)) {
        return errorResponse(new McppError('FORBIDDEN', 'Origin not allowed'), dialectOf(ctx.req.path))
      }
      return next()
    })
    // CORS headers only matter to browsers, which always send Origin.
    app.use(path, (ctx, next) => (ctx.req.header('origin') ? withCors(ctx, next) : next()))
  }

  app.use('*', edgeAccess(config.auth.edgeSecret))
  const resource = { resource: config.auth.oauth.resource, issuer: config.auth.oauth.issuer }
  if (c.authn.enabled) {
    const authenticate = bearerAuthentication(c.authn, resource)
    // The edge authenticated what it forwards (edge-access.ts).
    app.use('*', (ctx, next) =>
      guarded(ctx, config.auth) && !viaEdge(ctx) ? authenticate(ctx, next) : next(),
    )
    app.route('/', protectedResourceRoutes(resource))
  }

  // A preflight without Origin (non-browser) must not reach a session: it would count
  // as activity and keep an idle session alive (issue 9). Browsers get CORS above.
  app.options('/mcp', (ctx) => ctx.body(null, 204, { allow: 'GET, POST, DELETE, OPTIONS' }))
  app.all('/mcp', (ctx) => c.sessions.handle(ctx.req.raw, callerOf(ctx)))

  app.get('/healthz', (ctx) =>
    ctx.json({ status: 'ok', version: c.version, uptimeSeconds: (c.now() - c.startedAt) / 1000 }),
  )
  // Readiness, not liveness (issue 15): 503 while starting or stopping, with what is failing.
  app.get('/readyz', (ctx) => {
    const { ready, checks, failing } = c.readiness()
    return ready
      ? ctx.json({ status: 'ready', checks })
      : ctx.json({ status: 'not ready', failing, checks }, 503)
  })
  app.get('/metrics', async (ctx) => {
    const body = await metrics.registry.metrics()
    return ctx.body(body, 200, { 'content-type': metrics.registry.contentType })
  })
  app.route('/api', apiRoutes(c))
  app.route('/', pageRoutes(c.webRoot))

  app.notFound((ctx) =>
    errorResponse(
      new McppError('NOT_FOUND', `no route for ${ctx.req.method} ${ctx.req.path}`),
      dialectOf(ctx.req.path),
    ),
  )
  app.onError((err, ctx) => {
    if (err instanceof HTTPException) return err.getResponse()
    if (err instanceof McppError) return errorResponse(err, dialectOf(ctx.req.path))
    // A route that wrote outside the tool executor (which names the store itself).
    if (isStorageFull(err)) return errorResponse(storageFullError('data', err), dialectOf(ctx.req.path))
    c.log.error('unhandled HTTP error', { path: ctx.req.path, error: err.message })
    return internalErrorResponse(dialectOf(ctx.req.path))
  })
  return app
}

/**
 * Which requests need a token: /mcp (not its preflight), mutating /api calls, and
 * /metrics, /api/status and /api/capacity unless configured public. /healthz, /readyz and pages never do;
 * /api/events and /api/call decide for themselves (dashboard-auth.ts).
 */
function guarded(ctx: Context, auth: { publicMetrics: boolean; publicStatus: boolean }): boolean {
  const { path, method } = ctx.req
  if (method === 'OPTIONS') return false
  if (path === '/mcp') return true
  if (path === '/metrics') return !auth.publicMetrics
  if (path === '/api/status' || path === '/api/capacity') return !auth.publicStatus
  // The dashboard's endpoints check the token themselves: reads are open on loopback (issue 13).
  if (path === '/api/events' || path === '/api/call') return false
  return path.startsWith('/api/') && method !== 'GET'
}

/**
 * The caller as the MCP layer sees it. Quotas count an anonymous caller by its remote
 * address, so that on an open relay one client cannot use up everyone's share.
 */
function callerOf(ctx: Context<AuthEnv>): Caller {
  const identity = ctx.get('identity')
  if (identity !== undefined) return { identity, quotaKey: identity }
  const edge = viaEdge(ctx)
  if (edge !== undefined) return { identity: undefined, quotaKey: `edge-client:${edge.client}` }
  let address = 'unknown'
  try {
    address = getConnInfo(ctx).remote.address ?? address
  } catch {
    // Not served by @hono/node-server (no socket): every anonymous caller shares one key.
  }
  return { identity: undefined, quotaKey: `address:${address}` }
}
