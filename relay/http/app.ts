import { Hono } from 'hono'
import { cors } from 'hono/cors'
import type { RelayComponents } from '../components.ts'
import { apiRoutes } from './api-routes.ts'
import { authenticate } from './bearer-auth.ts'
import { hostAllowed, hostPolicy, originAllowed } from './dns-rebinding.ts'
import { jsonRpcErrorResponse, RPC } from './json-rpc-error.ts'
import { pageRoutes } from './pages.ts'

const MCP_HEADERS = [
  'Content-Type',
  'Authorization',
  'Mcp-Session-Id',
  'Mcp-Protocol-Version',
  'Last-Event-ID',
]

/** The relay's HTTP surface: MCP at /mcp, JSON API, health and metrics. */
export function createHttpApp(c: RelayComponents): Hono<{ Variables: { identity: string | undefined } }> {
  const { config, metrics } = c
  const app = new Hono<{ Variables: { identity: string | undefined } }>()
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
    allowHeaders: MCP_HEADERS,
    exposeHeaders: ['Mcp-Session-Id', 'Mcp-Protocol-Version', 'WWW-Authenticate'],
    maxAge: 600,
  })

  for (const path of ['/mcp', '/api/*']) {
    app.use(path, async (ctx, next) => {
      if (!hostAllowed(ctx.req.header('host'), policy)) {
        return jsonRpcErrorResponse(403, RPC.serverError, 'Forbidden: Host header not allowed')
      }
      if (!originAllowed(ctx.req.header('origin'), policy)) {
        return jsonRpcErrorResponse(403, RPC.serverError, 'Forbidden: Origin not allowed')
      }
      return next()
    })
    // CORS headers only matter to browsers, which always send Origin.
    app.use(path, (ctx, next) => (ctx.req.header('origin') ? withCors(ctx, next) : next()))
  }

  const token = config.token
  const tokens = c.access.tokens
  if (token !== undefined || tokens.size > 0) {
    app.use('*', async (ctx, next) => {
      const path = ctx.req.path
      const guarded = path === '/mcp' || (path.startsWith('/api/') && ctx.req.method !== 'GET')
      if (!guarded || ctx.req.method === 'OPTIONS') return next()
      const auth = authenticate(ctx.req.header('authorization'), token, tokens)
      if (auth.ok) {
        ctx.set('identity', auth.identity)
        return next()
      }
      return jsonRpcErrorResponse(401, RPC.serverError, 'Unauthorized: send Authorization: Bearer <token>', {
        'www-authenticate': 'Bearer realm="mcpp"',
      })
    })
  }

  app.all('/mcp', (ctx) => c.sessions.handle(ctx.req.raw, ctx.get('identity')))

  app.get('/healthz', (ctx) =>
    ctx.json({ status: 'ok', version: c.version, uptimeSeconds: (c.now() - c.startedAt) / 1000 }),
  )
  app.get('/metrics', async (ctx) => {
    const body = await metrics.registry.metrics()
    return ctx.body(body, 200, { 'content-type': metrics.registry.contentType })
  })
  app.route('/api', apiRoutes(c))
  app.route('/', pageRoutes(c.webRoot))

  app.notFound((ctx) =>
    ctx.json(
      { error: { code: 'NOT_FOUND', message: `no route for ${ctx.req.method} ${ctx.req.path}` } },
      404,
    ),
  )
  app.onError((err, ctx) => {
    c.log.error('unhandled HTTP error', { path: ctx.req.path, error: err.message })
    return ctx.json({ error: { code: 'INTERNAL', message: 'internal error' } }, 500)
  })
  return app
}
