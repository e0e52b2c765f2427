import { randomUUID } from 'node:crypto'
import type { ListToolsResult, Server } from '@modelcontextprotocol/server'
import {
  isInitializeRequest,
  isJSONRPCRequest,
  isLegacyRequest,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server'
import { McppError } from '../../shared/errors.ts'
import { errorResponse } from '../../shared/http/error-response.ts'
import { RPC } from '../../shared/http/json-rpc-error.ts'
import type { LifecyclePart } from '../../shared/startable.ts'
import { yieldAfter } from '../event-loop-turn.ts'
import type { Logger } from '../log.ts'
import type { RelayMetrics } from '../metrics.ts'
import { type HeldQuota, type QuotaLease, quotaResponse } from '../quotas/index.ts'
import { cancelOnDisconnect } from './cancel-on-disconnect.ts'
import { authInfoOf, type Caller, createMcpServer, type McpSurface, toolListing } from './create-server.ts'
import { ModernMcp } from './modern-endpoint.ts'
import { onBodyDone } from './on-body-done.ts'
import { readJsonRpcBody } from './read-json-rpc-body.ts'

export type { Caller } from './create-server.ts'

export interface SessionsInit {
  surface: McpSurface
  stateless: boolean
  idleMs: number
  keepAliveMs: number
  maxBodyBytes: number
  now: () => number
  metrics: RelayMetrics
  log: Logger
  /** Open sessions and GET streams, per caller and in all. */
  quotas: { sessions: HeldQuota; sseStreams: HeldQuota }
  /** How long a stop waits for calls in flight before it cuts them (shutdown.graceSeconds). */
  graceMs: number
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport
  server: Server
  lastSeen: number
  /** POSTs whose responses are still open (a call running): the session is not idle. */
  open: number
  /** Who opened it: only the same identity may use it. */
  identity: string | undefined
  lease: QuotaLease
}

type RequestOptions = { parsedBody: unknown; authInfo: ReturnType<typeof authInfoOf> }

const SESSION_NOT_FOUND = 'Session not found: it expired or was closed; send initialize again'

/**
 * What a stopping relay answers to a new request (HTTP 503). Notifications still reach
 * their session, so a client can still cancel a call that is draining.
 */
const SHUTTING_DOWN =
  'Service Unavailable: the relay is shutting down (SHUTTING_DOWN); retry after it restarts'

/**
 * A refusal before the SDK sees the request, in the relay's one error shape (`data.code`)
 * and with the JSON-RPC numbers the SDK's own transport uses for the same cases:
 * -32001 for an unknown session, -32000 for a missing session header.
 */
function refusal(err: McppError, rpcCode?: number, status?: number, headers: Record<string, string> = {}) {
  return errorResponse(err, 'json-rpc', headers, {
    ...(rpcCode === undefined ? {} : { rpcCode }),
    ...(status === undefined ? {} : { status }),
  })
}

/** Idle sessions are looked for twice per idle period, at least once a minute. */
const MAX_SWEEP_MS = 60_000

/**
 * MCP over Streamable HTTP: one SDK server and transport per session, created by an
 * `initialize` request and closed by DELETE, by idleness (`sweep`) or at shutdown.
 * In stateless mode each request gets a fresh server that closes when its response ends.
 * Sessions and GET streams count against quotas; a session belongs to the identity
 * that opened it.
 */
export class McpSessions implements LifecyclePart {
  readonly name = 'mcp-sessions'
  private readonly sessions = new Map<string, Session>()
  private readonly init: SessionsInit
  /** `tools/list` per access rule (few: one per policy identity, plus default and operator). */
  private readonly listings = new Map<string, ListToolsResult>()
  private sweeper: NodeJS.Timeout | undefined
  private stopping: Promise<void> | undefined
  /** The 2026-07-28 leg: requests that carry their own protocol revision, no session. */
  private readonly modern: ModernMcp

  constructor(init: SessionsInit) {
    this.init = init
    this.modern = new ModernMcp({
      surface: init.surface,
      listingFor: (identity) => this.listingFor(identity),
      keepAliveMs: init.keepAliveMs,
      maxBodyBytes: init.maxBodyBytes,
      sseStreams: init.quotas.sseStreams,
      log: init.log,
    })
  }

  /** Starts closing idle sessions (`sweep`) on a timer. */
  start(): void {
    if (this.sweeper !== undefined || this.stopping) return
    // The default view's tools/list (every exposed tool's JSON Schema, ~40 ms of event
    // loop) is built now rather than when the first client connects.
    this.listingFor(undefined)
    const every = Math.min(this.init.idleMs / 2, MAX_SWEEP_MS)
    this.sweeper = setInterval(() => void this.sweep(), every)
    this.sweeper.unref()
  }

  /**
   * The graceful part of a stop (issue 10): new requests are refused with 503, the
   * calls in flight get up to `graceMs` to finish, the rest are answered with
   * SHUTTING_DOWN, and then every session is closed. Safe to call again.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.sweeper)
      this.sweeper = undefined
      const report = await this.init.surface.calls.drain(this.init.graceMs)
      // What the stop did with the calls: finished within the grace period, or cut.
      this.init.log.info('MCP calls drained', { ...report, graceSeconds: this.init.graceMs / 1000 })
      await this.closeAll()
    })()
    return this.stopping
  }

  /** Ends the grace period of a stop at once (a second SIGTERM or SIGINT). */
  hurry(): void {
    this.init.surface.calls.hurry()
  }

  get size(): number {
    return this.sessions.size
  }

  private listingFor(identity: string | undefined): ListToolsResult {
    const { surface } = this.init
    const key = surface.viewKey(identity)
    let listing = this.listings.get(key)
    if (listing === undefined) {
      listing = toolListing([...surface.exposed.values()].filter((tool) => surface.canCall(tool, identity)))
      this.listings.set(key, listing)
    }
    return listing
  }

  private transport(stateful: boolean, onInitialized?: (id: string) => void) {
    return new WebStandardStreamableHTTPServerTransport({
      ...(stateful ? { sessionIdGenerator: randomUUID } : {}),
      ...(onInitialized ? { onsessioninitialized: onInitialized } : {}),
      keepAliveMs: this.init.keepAliveMs,
      maxRequestBodySize: this.init.maxBodyBytes,
    })
  }

  /** `caller`: who the HTTP layer authenticated; tools see its identity. */
  async handle(req: Request, caller: Caller): Promise<Response> {
    let body: unknown
    if (req.method === 'POST') {
      const read = await readJsonRpcBody(req, this.init.maxBodyBytes)
      if (!read.ok) return read.response
      body = read.body
      // A large body's parse held the loop: a turn before the SDK and the call walk it again.
      await yieldAfter(read.parsing)
    }
    if (!this.init.surface.calls.accepting && opensWork(req.method, body)) {
      return refusal(new McppError('SHUTTING_DOWN', SHUTTING_DOWN))
    }
    // Both protocol eras share the endpoint; the SDK's own classifier decides (issue 15).
    if (
      req.method === 'POST' &&
      !(await isLegacyRequest(req, body, { maxRequestBodySize: this.init.maxBodyBytes }))
    ) {
      return this.modern.handle(req, caller, body)
    }
    const options: RequestOptions = { parsedBody: body, authInfo: authInfoOf(caller) }
    if (this.init.stateless) return this.handleStateless(req, caller, options)
    const sid = req.headers.get('mcp-session-id')
    if (sid !== null) {
      const session = this.sessions.get(sid)
      // Another identity's session id gets the same answer as an unknown one.
      if (!session || session.identity !== caller.identity) {
        return refusal(new McppError('NOT_FOUND', SESSION_NOT_FOUND), RPC.sessionNotFound)
      }
      // Only the methods of the transport count as activity (an OPTIONS must not).
      if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'DELETE') {
        const err = new McppError('INVALID_PARAMS', 'Method Not Allowed: use GET, POST or DELETE')
        return refusal(err, RPC.serverError, 405, { allow: 'GET, POST, DELETE' })
      }
      session.lastSeen = this.init.now()
      if (req.method === 'GET') return this.openStream(session, req, caller, options)
      session.open += 1
      let res: Response
      try {
        res = await session.transport.handleRequest(req, options)
      } catch (err) {
        this.requestEnded(session)
        throw err
      }
      // Issue 9 (SQL slice): a client that leaves mid-call cancels it; see the helper.
      cancelOnDisconnect(req, body, session.transport)
      return onBodyDone(res, () => this.requestEnded(session))
    }
    if (req.method !== 'POST') {
      const err = new McppError('INVALID_PARAMS', 'Bad Request: Mcp-Session-Id header is required')
      return refusal(err, RPC.serverError)
    }
    if (!isInitializeRequest(body)) {
      return refusal(
        new McppError(
          'INVALID_PARAMS',
          'Bad Request: no Mcp-Session-Id header; the first request of a session must be a single initialize request',
        ),
      )
    }
    return this.open(req, caller, options)
  }

  /** A GET SSE stream holds a stream slot until its body ends (client gone or session closed). */
  private async openStream(
    session: Session,
    req: Request,
    caller: Caller,
    options: RequestOptions,
  ): Promise<Response> {
    const slot = this.init.quotas.sseStreams.acquire(caller.quotaKey)
    if (!slot.ok) return quotaResponse(slot.refusal)
    const res = await session.transport.handleRequest(req, options)
    if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
      slot.lease.release()
      return res
    }
    return onBodyDone(res, () => slot.lease.release())
  }

  private async open(req: Request, caller: Caller, options: RequestOptions): Promise<Response> {
    const slot = this.init.quotas.sessions.acquire(caller.quotaKey)
    if (!slot.ok) return quotaResponse(slot.refusal)
    const server = createMcpServer(this.init.surface, this.listingFor(caller.identity))
    const transport = this.transport(true, (id) => {
      this.sessions.set(id, {
        transport,
        server,
        lastSeen: this.init.now(),
        open: 0,
        identity: caller.identity,
        lease: slot.lease,
      })
      this.init.metrics.sessionsOpened.inc()
      this.init.metrics.sessionsActive.set(this.sessions.size)
    })
    transport.onclose = () => {
      slot.lease.release()
      if (transport.sessionId !== undefined && this.sessions.delete(transport.sessionId)) {
        this.init.metrics.sessionsActive.set(this.sessions.size)
      }
    }
    await server.connect(transport)
    const res = await transport.handleRequest(req, options)
    // An initialize that failed opened nothing, so it holds nothing.
    if (transport.sessionId === undefined || !this.sessions.has(transport.sessionId)) slot.lease.release()
    return res
  }

  private async handleStateless(req: Request, caller: Caller, options: RequestOptions): Promise<Response> {
    const server = createMcpServer(this.init.surface, this.listingFor(caller.identity))
    const transport = this.transport(false)
    await server.connect(transport)
    const res = await transport.handleRequest(req, options)
    return onBodyDone(res, () => {
      void server.close()
    })
  }

  /** A POST's response ended: the session was in use until now. */
  private requestEnded(session: Session): void {
    session.open -= 1
    session.lastSeen = this.init.now()
  }

  /**
   * Closes sessions idle for longer than `idleMs`; returns how many. A session with a
   * call still running is not idle, however long the call takes: closing it would abort
   * the call (the SDK aborts a closed transport's handlers).
   */
  async sweep(): Promise<number> {
    const cutoff = this.init.now() - this.init.idleMs
    const idle = [...this.sessions.entries()].filter(([, s]) => s.open === 0 && s.lastSeen < cutoff)
    for (const [id, session] of idle) {
      this.sessions.delete(id)
      session.lease.release()
      await session.server.close()
      this.init.metrics.sessionsExpired.inc()
      this.init.log.debug('session expired', { sessionId: id })
    }
    this.init.metrics.sessionsActive.set(this.sessions.size)
    return idle.length
  }

  private async closeAll(): Promise<void> {
    const all = [...this.sessions.values()]
    this.sessions.clear()
    this.init.metrics.sessionsActive.set(0)
    for (const session of all) session.lease.release()
    await Promise.all([...all.map((s) => s.server.close()), this.modern.close()])
  }
}

/** A GET (a new stream) or a POST that carries at least one request (not only notifications). */
function opensWork(method: string, body: unknown): boolean {
  if (method === 'GET') return true
  if (method !== 'POST') return false
  return (Array.isArray(body) ? body : [body]).some((m) => isJSONRPCRequest(m))
}
