import { Hono } from 'hono'
import { McppError, toMcppError } from '../../shared/errors.ts'
import { errorResponse, httpStatusOf } from '../../shared/http/error-response.ts'
import { parseCallRequest, runDashboardCall } from '../dashboard/api-call.ts'
import { buildSnapshot } from '../dashboard/snapshot.ts'
import { SnapshotStream } from '../dashboard/snapshot-stream.ts'
import type { RelayComponents } from '../relay-components.ts'
import { dashboardCaller } from './dashboard-auth.ts'
import { readBoundedBody } from './read-bounded-body.ts'

/** One snapshot a second: enough for charts over minutes, cheap for the relay. */
const SNAPSHOT_INTERVAL_MS = 1000
/** Dashboard streams open at once; each costs a socket, the snapshot is shared. */
const MAX_STREAMS = 32

/**
 * The dashboard's two endpoints (issue 13): `GET /events`, the push channel of
 * snapshots, and `POST /call`, which runs a tool like MCP `tools_dispatch`. Their
 * token rules are dashboard-auth.ts's (app.ts leaves both paths to it).
 */
export function dashboardRoutes(c: RelayComponents): Hono {
  const routes = new Hono()
  const resource = { resource: c.config.auth.oauth.resource, issuer: c.config.auth.oauth.issuer }
  const snapshots = new SnapshotStream({
    build: () => buildSnapshot(c),
    intervalMs: SNAPSHOT_INTERVAL_MS,
    maxStreams: MAX_STREAMS,
    now: c.now,
  })

  routes.get('/events', async (ctx) => {
    const caller = await dashboardCaller(ctx, c.authn, resource, 'read')
    if (caller instanceof Response) return caller
    const body = snapshots.open()
    if (body === undefined) {
      const busy = new McppError(
        'UNAVAILABLE',
        `${MAX_STREAMS} dashboard streams are open; close one and retry`,
      )
      return errorResponse(busy, 'json', { 'retry-after': '5' })
    }
    return new Response(body, {
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // Proxies that buffer responses would hold the snapshots back.
        'x-accel-buffering': 'no',
      },
    })
  })

  routes.post('/call', async (ctx) => {
    const body = await readBoundedBody(ctx.req.raw, c.config.maxBodyBytes)
    if (!body.ok) {
      return errorResponse(
        new McppError('TOO_LARGE', `the body is over ${c.config.maxBodyBytes} bytes`),
        'json',
      )
    }
    try {
      const request = parseCallRequest(body.text)
      // A tool that says it only reads is a read; anything else (or unknown) is an action.
      const read = c.registry.get(request.tool)?.annotations?.readOnlyHint === true
      const caller = await dashboardCaller(ctx, c.authn, resource, read ? 'read' : 'action')
      if (caller instanceof Response) return caller
      return ctx.json(await runDashboardCall(c, request, caller, ctx.req.raw.signal))
    } catch (err) {
      const failure = toMcppError(err)
      const retry = failure.code === 'QUOTA_EXCEEDED' ? retryAfter(failure.details) : {}
      // A tool's own failure (UNKNOWN_TOOL, NOT_FOUND, a task that cannot be cancelled…)
      // is an answer about the call, not a fault of the relay: 422 unless the code has a status.
      const status = httpStatusOf(failure.code) === 500 && failure.code !== 'INTERNAL' ? 422 : undefined
      return errorResponse(failure, 'json', retry, status === undefined ? {} : { status })
    }
  })
  return routes
}

function retryAfter(details: Record<string, unknown> | undefined): Record<string, string> {
  const seconds = details?.retryAfterSeconds
  return typeof seconds === 'number' ? { 'retry-after': String(seconds) } : {}
}
