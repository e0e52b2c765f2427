import { isLegacyRequest } from '@modelcontextprotocol/server'
import { type RelayState, stickyOrder } from '../../shared/edge/relay-choice.ts'
import { edgeSessionId, parseEdgeSessionId } from '../../shared/edge/session-route.ts'
import { McppError } from '../../shared/errors.ts'
import { errorResponse } from '../../shared/http/error-response.ts'
import { RPC } from '../../shared/http/json-rpc-error.ts'
import { answeredHere, answerHere } from './edge-answers.ts'
import type { CatalogueCache } from './edge-catalogue.ts'
import { type Forwarded, type RelayPool, RelayUnreachable } from './relay-pool.ts'

/**
 * Request headers a relay needs from the client (MCP Streamable HTTP, both eras: 2026's
 * `Mcp-Method`, `Mcp-Name` and `Mcp-Param-*` must reach the relay, which checks them
 * against the body); nothing else is passed on.
 */
const REQUEST_HEADERS = [
  'content-type',
  'accept',
  'mcp-protocol-version',
  'mcp-method',
  'mcp-name',
  'last-event-id',
]
const PARAM_HEADER_PREFIX = 'mcp-param-'
/** Response headers passed back from the relay (the session id is rewritten). */
const RESPONSE_HEADERS = ['content-type', 'cache-control', 'mcp-protocol-version', 'retry-after']
/** Which relay answered, for clients and tests to see where their session lives. */
export const EDGE_RELAY_HEADER = 'mcpp-edge-relay'

export interface McpRouteInit {
  pool: RelayPool
  catalogue: CatalogueCache
  version: string
}

const rpcError = (code: 'NOT_FOUND' | 'UNAVAILABLE' | 'BAD_GATEWAY', message: string, rpcCode?: number) =>
  errorResponse(
    new McppError(code === 'BAD_GATEWAY' ? 'UNAVAILABLE' : code, message),
    'json-rpc',
    code === 'UNAVAILABLE' ? { 'retry-after': '1' } : {},
    {
      ...(rpcCode === undefined ? {} : { rpcCode }),
      ...(code === 'BAD_GATEWAY' ? { status: 502 } : {}),
    },
  )

function parseMessage(body: string | undefined): unknown {
  if (body === undefined) return undefined
  try {
    return JSON.parse(body)
  } catch {
    return undefined // the relay answers it with a parse error
  }
}

/** Requests that change nothing on a relay: sending one again after a failure is harmless. */
const READS = new Set([
  'initialize',
  'server/discover',
  'subscriptions/listen',
  'ping',
  'tools/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
])

/**
 * Whether a message could have done something on a relay that failed before answering:
 * every request but the handshake and reads (a notification or an answer changes no
 * state that a second relay could duplicate; a body that is not JSON-RPC is refused
 * by any relay). Such a message is never sent to a second relay.
 */
function mayHaveEffects(message: unknown): boolean {
  const m = message as { method?: unknown; id?: unknown } | undefined
  if (typeof m?.method !== 'string' || m.id === undefined) return false
  return !READS.has(m.method)
}

/**
 * MCP at the edge (issue 14). A session lives on one relay, named by its id; the Worker
 * answers the calls it can run itself (edge-answers.ts) and forwards everything else.
 * A request without a session (initialize, or any request to stateless relays) goes to
 * the best relay, and to the next when one cannot be reached or is stopping; a request
 * that may have run on a relay that failed mid-way is never sent to another.
 */
export async function mcpRoute(request: Request, who: Forwarded, init: McpRouteInit): Promise<Response> {
  const { pool } = init
  const body = request.method === 'POST' ? await request.text() : undefined
  const message = parseMessage(body)
  const sessionHeader = request.headers.get('mcp-session-id')
  const headers = new Headers()
  for (const name of REQUEST_HEADERS) {
    const value = request.headers.get(name)
    if (value !== null) headers.set(name, value)
  }
  for (const [name, value] of request.headers)
    if (name.startsWith(PARAM_HEADER_PREFIX)) headers.set(name, value)
  const send = (relay: RelayState) =>
    pool.send(relay, '/mcp', { method: request.method, headers, body, signal: request.signal }, who)

  if (sessionHeader !== null) {
    const route = parseEdgeSessionId(sessionHeader)
    const relay = route && pool.byKey(route.relayKey)
    if (route === undefined || relay === undefined)
      return rpcError('NOT_FOUND', 'Session not found: send initialize again', RPC.sessionNotFound)
    if (request.method === 'POST') {
      const here = await answerIfHere(request, body, message, who, init)
      if (here !== undefined) return here
    }
    headers.set('mcp-session-id', route.relaySessionId)
    try {
      return relayed(await send(relay), relay)
    } catch (err) {
      if (!(err instanceof RelayUnreachable)) throw err
      return rpcError(
        'NOT_FOUND',
        `Session not found: the relay that held it (${new URL(relay.url).host}) stopped answering${
          mayHaveEffects(message) ? ', and this request may have run there' : ''
        }. Send initialize again: the new session goes to a relay that answers`,
        RPC.sessionNotFound,
      )
    }
  }

  // 2026-07-28: no session, so the caller's requests follow one relay by its key.
  // A body that is not JSON is legacy: any relay answers it with a parse error.
  const modern = message !== undefined && !(await isLegacyRequest(request, message))
  if (modern) {
    const here = await answerIfHere(request, body, message, who, init)
    if (here !== undefined) return here
  }
  const ranked = await pool.ranked()
  const order = modern ? stickyOrder(ranked, who.identity ?? `client:${who.client}`, Date.now()) : ranked
  const tried: string[] = []
  for (const relay of order) {
    const host = new URL(relay.url).host
    let response: Response
    try {
      response = await send(relay)
    } catch (err) {
      if (!(err instanceof RelayUnreachable)) throw err
      tried.push(`${host}: unreachable`)
      if (mayHaveEffects(message))
        return rpcError(
          'BAD_GATEWAY',
          `relay ${host} failed before answering; the request may have run there, so it is not sent to another relay`,
        )
      continue
    }
    // A relay that is stopping refuses new work before taking it: the next one may.
    if (response.status === 503) {
      tried.push(`${host}: ${response.status}`)
      pool.markDown(relay)
      await response.body?.cancel()
      continue
    }
    if (response.headers.has('mcp-session-id')) pool.placed(relay)
    return relayed(response, relay)
  }
  return rpcError('UNAVAILABLE', `no relay could take the request (${tried.join('; ') || 'none configured'})`)
}

/** The Worker's own answer, when it runs the call itself (edge-answers.ts). */
async function answerIfHere(
  request: Request,
  body: string | undefined,
  message: unknown,
  who: Forwarded,
  init: McpRouteInit,
): Promise<Response | undefined> {
  const catalogue = await init.catalogue.get().catch(() => undefined)
  if (catalogue === undefined || !answeredHere(message, catalogue)) return undefined
  return answerHere(
    new Request(request.url, { method: 'POST', headers: request.headers, body: body ?? null }),
    message,
    catalogue,
    who,
    init.version,
  )
}

/** The relay's answer as the client sees it: its session id prefixed with the relay's key. */
function relayed(response: Response, relay: RelayState): Response {
  const headers = new Headers()
  for (const name of RESPONSE_HEADERS) {
    const value = response.headers.get(name)
    if (value !== null) headers.set(name, value)
  }
  const session = response.headers.get('mcp-session-id')
  if (session !== null)
    headers.set('mcp-session-id', edgeSessionId({ relayKey: relay.key, relaySessionId: session }))
  headers.set(EDGE_RELAY_HEADER, relay.key)
  return new Response(response.body, { status: response.status, headers })
}
