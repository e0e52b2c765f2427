import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'
import { McppError } from '../../shared/errors.ts'
import { errorResponse } from '../../shared/http/error-response.ts'
import { accessFor, isLoopbackRequest, type Need } from '../dashboard/dashboard-access.ts'
import type { Caller } from '../mcp/sessions.ts'
import type { Authenticator } from '../security/authenticator.ts'
import { bearerChallenge, type ResourceSettings } from './protected-resource.ts'

/** How long a client should wait when the issuer's keys could not be fetched (as bearer-auth.ts). */
const KEYS_RETRY_AFTER_SECONDS = 5
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/

function remoteAddress(ctx: Context): string | undefined {
  try {
    return getConnInfo(ctx).remote.address
  } catch {
    return undefined // not served by @hono/node-server: not known to be local
  }
}

/**
 * The caller of a dashboard request, or the refusal to send. The rules are
 * dashboard-access.ts's; the token is checked by the same Authenticator as /mcp, with
 * the same answers (401 with a Bearer challenge, 503 when the issuer's keys are out of
 * reach). A token that is sent must be valid even where none is needed.
 */
export async function dashboardCaller(
  ctx: Context,
  authn: Authenticator,
  resource: ResourceSettings,
  need: Need,
): Promise<Caller | Response> {
  const address = remoteAddress(ctx)
  const anonymous: Caller = { identity: undefined, quotaKey: `address:${address ?? 'unknown'}` }
  const header = ctx.req.header('authorization')
  if (header === undefined) {
    const access = accessFor(authn.required, isLoopbackRequest(address, ctx.req.raw.headers), need)
    if (access === 'open') return anonymous
    const why =
      need === 'action'
        ? 'this action needs the relay token: send Authorization: Bearer <token>'
        : 'reading the dashboard from another machine needs the relay token: send Authorization: Bearer <token>'
    return errorResponse(new McppError('UNAUTHORIZED', why), 'json', {
      'www-authenticate': bearerChallenge(ctx, resource),
    })
  }
  const token = BEARER.exec(header)?.[1]
  if (token === undefined) {
    return errorResponse(
      new McppError('INVALID_PARAMS', 'the Authorization header is not Bearer <token>'),
      'json',
      {
        'www-authenticate': bearerChallenge(ctx, resource, 'invalid_request'),
      },
    )
  }
  const result = await authn.verify(token)
  if (result.ok) return { identity: result.identity, quotaKey: result.identity }
  if (result.status === 503) {
    return errorResponse(new McppError('UNAVAILABLE', result.message), 'json', {
      'retry-after': String(KEYS_RETRY_AFTER_SECONDS),
    })
  }
  return errorResponse(new McppError('UNAUTHORIZED', `invalid token (${result.message})`), 'json', {
    'www-authenticate': bearerChallenge(ctx, resource, 'invalid_token'),
  })
}
