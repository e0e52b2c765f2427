import type { Context } from 'hono'
import { Hono } from 'hono'
import { cors } from 'hono/cors'

/** RFC 9728 §3: where a resource publishes its metadata. */
export const PRM_PATH = '/.well-known/oauth-protected-resource'
const MCP_PATH = '/mcp'

export interface ResourceSettings {
  /** The configured resource URL (`auth.oauth.resource`); else derived from the request. */
  resource: string | undefined
  issuer: string | undefined
}

/** The resource identifier: the configured URL, or this request's origin + /mcp. */
export function resourceOf(ctx: Context, settings: ResourceSettings): string {
  return settings.resource ?? `${new URL(ctx.req.url).origin}${MCP_PATH}`
}

/**
 * The metadata URL for a resource (RFC 9728 §3.1): the well-known path goes between the
 * host and the resource's path, so `https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`.
 */
export function metadataUrlOf(resource: string): string {
  const url = new URL(resource)
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')
  return `${url.origin}${PRM_PATH}${path}`
}

function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`
}

/**
 * The `WWW-Authenticate` challenge of every 401 (RFC 6750 §3, RFC 9728 §5.1, MCP
 * authorization spec): where the metadata is, and `error` only when a token was sent
 * (RFC 6750 §3.1: a request without credentials gets no error code).
 */
export function bearerChallenge(
  ctx: Context,
  settings: ResourceSettings,
  error?: 'invalid_token' | 'invalid_request',
): string {
  const params = [`realm="mcpp"`, `resource_metadata=${quoted(metadataUrlOf(resourceOf(ctx, settings)))}`]
  if (error !== undefined) params.push(`error="${error}"`)
  return `Bearer ${params.join(', ')}`
}

/**
 * Protected Resource Metadata (RFC 9728) at the root well-known URL and at the
 * path-suffixed one for /mcp. Both describe the one resource this relay has (/mcp), so
 * a client that falls back to the root URL still learns the audience to ask tokens for.
 * Public and CORS-open: it is what a client reads before it has a token.
 */
export function protectedResourceRoutes(settings: ResourceSettings): Hono {
  const routes = new Hono()
  routes.use(`${PRM_PATH}/*`, cors({ origin: '*', allowMethods: ['GET'] }))
  routes.use(PRM_PATH, cors({ origin: '*', allowMethods: ['GET'] }))
  const document = (ctx: Context) =>
    ctx.json({
      resource: resourceOf(ctx, settings),
      ...(settings.issuer === undefined ? {} : { authorization_servers: [settings.issuer] }),
      bearer_methods_supported: ['header'],
      resource_name: 'MCP++ relay',
    })
  routes.get(PRM_PATH, document)
  routes.get(`${PRM_PATH}${MCP_PATH}`, document)
  return routes
}
