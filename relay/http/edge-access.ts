import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import {
  EDGE_CLIENT_HEADER,
  EDGE_HEADER_VALUE,
  EDGE_HEADERS,
  EDGE_IDENTITY_HEADER,
  EDGE_SECRET_HEADER,
} from '../../shared/edge/edge-headers.ts'
import { McppError } from '../../shared/errors.ts'
import { dialectOf, errorResponse } from '../../shared/http/error-response.ts'
import type { AuthEnv } from './bearer-auth.ts'

const digest = (text: string) => createHash('sha256').update(text).digest()

/**
 * Requests forwarded by the edge Worker (issue 14). With `--edge-secret`, a request
 * that carries the edge's headers must carry that secret: then the identity the edge
 * authenticated is the caller's (the relay's own bearer check is skipped) and quotas
 * count an anonymous caller by the client address the edge saw. Without the setting,
 * the relay takes no edge-forwarded request at all. Requests without the headers
 * (direct clients) are untouched.
 */
export function edgeAccess(secret: string | undefined): MiddlewareHandler<AuthEnv> {
  const expected = secret === undefined ? undefined : digest(secret)
  return async function edge(ctx, next) {
    const headers = ctx.req.raw.headers
    if (!EDGE_HEADERS.some((name) => headers.has(name))) return next()
    const refuse = (code: 'FORBIDDEN' | 'UNAUTHORIZED' | 'INVALID_PARAMS', message: string) =>
      errorResponse(new McppError(code, message), dialectOf(ctx.req.path))
    if (expected === undefined)
      return refuse(
        'FORBIDDEN',
        'this relay takes no edge-forwarded requests: start it with --edge-secret (MCPP_EDGE_SECRET)',
      )
    const sent = headers.get(EDGE_SECRET_HEADER)
    if (sent === null || !timingSafeEqual(digest(sent), expected))
      return refuse('UNAUTHORIZED', 'the edge secret is missing or wrong')
    const identity = headers.get(EDGE_IDENTITY_HEADER)
    const client = headers.get(EDGE_CLIENT_HEADER)
    for (const [name, value] of [
      [EDGE_IDENTITY_HEADER, identity],
      [EDGE_CLIENT_HEADER, client],
    ] as const) {
      if (value !== null && !EDGE_HEADER_VALUE.test(value))
        return refuse('INVALID_PARAMS', `${name} must be 1-300 visible ASCII characters`)
    }
    ctx.set('viaEdge', { client: client ?? 'unknown' })
    if (identity !== null) ctx.set('identity', identity)
    return next()
  }
}

/** Whether the edge forwarded this request (checked by edgeAccess). */
export function viaEdge(ctx: Context<AuthEnv>): { client: string } | undefined {
  return ctx.get('viaEdge')
}
