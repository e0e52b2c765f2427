import { McppError } from '../../shared/errors.ts'
import { errorResponse } from '../../shared/http/error-response.ts'
import type { RelayPool } from './relay-pool.ts'

const REQUEST_HEADERS = ['authorization', 'content-type', 'accept', 'last-event-id']
const RESPONSE_HEADERS = ['content-type', 'cache-control', 'retry-after', 'www-authenticate']
/** The dashboard's API calls are small; a relay applies its own limits as well. */
const MAX_API_BODY_BYTES = 1024 * 1024

/**
 * The relays' JSON API behind the edge (the dashboard's catalogue, status, live events
 * and actions): passed to the best relay as a reverse proxy would, with the client's
 * own Authorization and `X-Forwarded-*`. The relay's own rules decide, and they treat
 * a forwarded request as remote (never loopback). A read moves to the next relay when
 * one cannot be reached; an action is never sent twice.
 */
export async function proxyApi(request: Request, client: string, pool: RelayPool): Promise<Response> {
  const url = new URL(request.url)
  const headers = new Headers()
  for (const name of REQUEST_HEADERS) {
    const value = request.headers.get(name)
    if (value !== null) headers.set(name, value)
  }
  headers.set('x-forwarded-for', client)
  headers.set('x-forwarded-proto', url.protocol.replace(':', ''))
  headers.set('x-forwarded-host', url.host)
  const read = request.method === 'GET' || request.method === 'HEAD'
  let body: ArrayBuffer | undefined
  if (!read) {
    body = await request.arrayBuffer()
    if (body.byteLength > MAX_API_BODY_BYTES)
      return errorResponse(new McppError('TOO_LARGE', `the body is over ${MAX_API_BODY_BYTES} bytes`), 'json')
  }
  const problems: string[] = []
  for (const relay of await pool.ranked()) {
    const host = new URL(relay.url).host
    try {
      const res = await fetch(new URL(url.pathname + url.search, relay.url), {
        method: request.method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: request.signal,
      })
      const out = new Headers()
      for (const name of RESPONSE_HEADERS) {
        const value = res.headers.get(name)
        if (value !== null) out.set(name, value)
      }
      return new Response(res.body, { status: res.status, headers: out })
    } catch (err) {
      if (request.signal.aborted) throw err
      pool.markDown(relay)
      problems.push(`${host}: unreachable`)
      if (!read)
        return errorResponse(
          new McppError(
            'UNAVAILABLE',
            `relay ${host} failed before answering; the action may have run there`,
          ),
          'json',
          {},
          { status: 502 },
        )
    }
  }
  return errorResponse(new McppError('UNAVAILABLE', `no relay answered (${problems.join('; ')})`), 'json', {
    'retry-after': '1',
  })
}
