import type { Context, MiddlewareHandler } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import { HTTPException } from 'hono/http-exception'
import { type ErrorCode, McppError } from '../../shared/errors.ts'
import { dialectOf, errorResponse } from '../../shared/http/error-response.ts'
import type { Authenticator } from '../security/authenticator.ts'
import { bearerChallenge, type ResourceSettings } from './protected-resource.ts'

export type AuthEnv = {
  Variables: {
    identity: string | undefined
    authProblem: string | undefined
    /** Set when the edge Worker forwarded the request with the right secret (edge-access.ts). */
    viaEdge: { client: string } | undefined
  }
}

/** How long a client should wait when the issuer's keys could not be fetched. */
const KEYS_RETRY_AFTER_SECONDS = 5

/** An error answer in the dialect of the requested path (JSON-RPC on /mcp). */
const refuse = (ctx: Context, code: ErrorCode, message: string, headers: Record<string, string> = {}) =>
  errorResponse(new McppError(code, message), dialectOf(ctx.req.path), headers)

/**
 * Bearer authentication with Hono's `bearerAuth` (header parsing, RFC 6750 token
 * syntax, 400/401 answers); the token check itself is the Authenticator's. It sets
 * `identity`. When no token is required, a request without an Authorization header
 * passes as anonymous, but a header that is sent must be valid. A 401 always carries
 * `WWW-Authenticate` with the resource metadata URL; unreachable issuer keys give 503.
 */
export function bearerAuthentication(
  authn: Authenticator,
  resource: ResourceSettings,
): MiddlewareHandler<AuthEnv> {
  const guard = bearerAuth<AuthEnv>({
    verifyToken: async (token, ctx) => {
      const result = await authn.verify(token)
      if (result.ok) {
        ctx.set('identity', result.identity)
        return true
      }
      if (result.status === 503) {
        const res = refuse(ctx, 'UNAVAILABLE', result.message, {
          'retry-after': String(KEYS_RETRY_AFTER_SECONDS),
        })
        throw new HTTPException(503, { res })
      }
      ctx.set('authProblem', result.message)
      return false
    },
    noAuthenticationHeader: {
      wwwAuthenticateHeader: (ctx) => bearerChallenge(ctx, resource),
      message: (ctx: Context<AuthEnv>) => refuse(ctx, 'UNAUTHORIZED', 'send Authorization: Bearer <token>'),
    },
    invalidAuthenticationHeader: {
      wwwAuthenticateHeader: (ctx) => bearerChallenge(ctx, resource, 'invalid_request'),
      message: (ctx: Context<AuthEnv>) =>
        refuse(ctx, 'INVALID_PARAMS', 'the Authorization header is not Bearer <token>'),
    },
    invalidToken: {
      wwwAuthenticateHeader: (ctx) => bearerChallenge(ctx, resource, 'invalid_token'),
      message: (ctx: Context<AuthEnv>) =>
        refuse(ctx, 'UNAUTHORIZED', `invalid token (${ctx.get('authProblem') ?? 'rejected'})`),
    },
  })
  return async function authenticate(ctx, next) {
    if (!authn.required && ctx.req.header('authorization') === undefined) return next()
    return guard(ctx, next)
  }
}
