import {
  createMcpHandler,
  type ListToolsResult,
  type McpHttpHandler,
  ProtocolError,
} from '@modelcontextprotocol/server'
import { toMcppError } from '../../shared/errors.ts'
import type { Logger } from '../log.ts'
import { type HeldQuota, quotaResponse } from '../quotas/index.ts'
import { authInfoOf, type Caller, createMcpServer, type McpSurface } from './create-server.ts'
import { ListenFollows, listenUris } from './listen-follows.ts'
import { onBodyDone } from './on-body-done.ts'
import { toolRunner } from './run-tool.ts'
import { callerOfAuth, type Extra } from './tool-context.ts'
import { wireErrorOf } from './wire-error.ts'

export interface ModernInit {
  surface: McpSurface
  /** `tools/list` for the callers of one access rule (McpSessions keeps them). */
  listingFor: (identity: string | undefined) => ListToolsResult
  keepAliveMs: number
  maxBodyBytes: number
  /** A `subscriptions/listen` stream holds a slot, as a 2025 GET stream does. */
  sseStreams: HeldQuota
  log: Logger
}

/**
 * MCP 2026-07-28 on the same /mcp endpoint (issue 15). A 2026 request carries its
 * protocol revision in `_meta` and needs no handshake and no session: the SDK's
 * `createMcpHandler` serves each one with a fresh server from the factory the 2025
 * sessions use (create-server.ts), so the tools, listing, access policy, quotas,
 * router and audit are the same in both eras. McpSessions sends here only what the
 * SDK's own `isLegacyRequest` classifies as modern; this leg refuses anything else.
 *
 * `subscriptions/listen` (2026's resource subscriptions) is checked here first: each
 * URI is read through the executor with the caller's identity, as `resources/subscribe`
 * is, so a caller can only follow what it may read; the followers publish
 * `notifications/resources/updated` on the handler's bus while the stream is open.
 */
export class ModernMcp {
  readonly #init: ModernInit
  readonly #handler: McpHttpHandler
  readonly #follows: ListenFollows

  constructor(init: ModernInit) {
    this.#init = init
    this.#handler = createMcpHandler(
      (ctx) => createMcpServer(init.surface, init.listingFor(callerOfAuth(ctx.authInfo).identity)),
      {
        legacy: 'reject',
        responseMode: 'auto',
        keepAliveMs: init.keepAliveMs,
        maxRequestBodySize: init.maxBodyBytes,
        onerror: (err) => init.log.debug('MCP 2026 request refused', { error: err.message }),
      },
    )
    this.#follows = new ListenFollows(
      (uri) => this.#handler.notify.resourceUpdated(uri),
      init.surface,
      toolRunner(init.surface),
    )
  }

  async handle(req: Request, caller: Caller, body: unknown): Promise<Response> {
    const options = { parsedBody: body, authInfo: authInfoOf(caller) }
    const uris = listenUris(body)
    if (uris === undefined) return this.#handler.fetch(req, options)
    const slot = this.#init.sseStreams.acquire(caller.quotaKey)
    if (!slot.ok) return quotaResponse(slot.refusal)
    const extra: Extra = { http: { authInfo: options.authInfo }, mcpReq: { signal: req.signal } }
    let release: () => void
    try {
      release = await this.#follows.follow(uris, extra)
    } catch (err) {
      slot.lease.release()
      return refusedListen(body, err)
    }
    const done = () => {
      release()
      slot.lease.release()
    }
    let res: Response
    try {
      res = await this.#handler.fetch(req, options)
    } catch (err) {
      done()
      throw err
    }
    if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
      done()
      return res
    }
    return onBodyDone(res, done)
  }

  /** Ends every open 2026 exchange and listen stream (at the end of a stop). */
  async close(): Promise<void> {
    this.#follows.close()
    await this.#handler.close()
  }
}

/** A listen whose URIs the caller may not read: the JSON-RPC error `resources/subscribe` would get. */
function refusedListen(body: unknown, err: unknown): Response {
  const wire = err instanceof ProtocolError ? err : wireErrorOf(toMcppError(err))
  const id = (body as { id?: unknown }).id ?? null
  return Response.json({
    jsonrpc: '2.0',
    id,
    error: {
      code: wire.code,
      message: wire.message,
      ...(wire.data === undefined ? {} : { data: wire.data }),
    },
  })
}
