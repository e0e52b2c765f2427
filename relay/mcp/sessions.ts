import { randomUUID } from 'node:crypto'
import type { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import { isInitializeRequest, type ListToolsResult } from '@modelcontextprotocol/sdk/types.js'
import { jsonRpcErrorResponse, RPC } from '../http/json-rpc-error.ts'
import type { Logger } from '../log.ts'
import type { RelayMetrics } from '../metrics.ts'
import { cancelOnDisconnect } from './cancel-on-disconnect.ts'
import { createMcpServer, type McpSurface, toolListing } from './create-server.ts'
import { onBodyDone } from './on-body-done.ts'
import { readJsonRpcBody } from './read-json-rpc-body.ts'

export interface SessionsInit {
  surface: McpSurface
  stateless: boolean
  idleMs: number
  keepAliveMs: number
  maxBodyBytes: number
  now: () => number
  metrics: RelayMetrics
  log: Logger
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport
  server: Server
  lastSeen: number
}

/**
 * MCP over Streamable HTTP: one SDK server and transport per session, created by an
 * `initialize` request and closed by DELETE, by idleness (`sweep`) or at shutdown.
 * In stateless mode each request gets a fresh server that closes when its response ends.
 */
export class McpSessions {
  private readonly sessions = new Map<string, Session>()
  private readonly init: SessionsInit
  private readonly listing: ListToolsResult

  constructor(init: SessionsInit) {
    this.init = init
    this.listing = toolListing(init.surface.exposed)
  }

  get size(): number {
    return this.sessions.size
  }

  private transport(stateful: boolean, onInitialized?: (id: string) => void) {
    return new WebStandardStreamableHTTPServerTransport({
      ...(stateful ? { sessionIdGenerator: randomUUID } : {}),
      ...(onInitialized ? { onsessioninitialized: onInitialized } : {}),
      keepAliveMs: this.init.keepAliveMs,
      maxRequestBodySize: this.init.maxBodyBytes,
    })
  }

  /** `identity`: who the HTTP layer authenticated; tools see it as the caller's identity. */
  async handle(req: Request, identity?: string): Promise<Response> {
    let body: unknown
    if (req.method === 'POST') {
      const read = await readJsonRpcBody(req, this.init.maxBodyBytes)
      if (!read.ok) return read.response
      body = read.body
    }
    const options = {
      parsedBody: body,
      ...(identity === undefined ? {} : { authInfo: { token: '', clientId: identity, scopes: [] } }),
    }
    if (this.init.stateless) return this.handleStateless(req, options)
    const sid = req.headers.get('mcp-session-id')
    if (sid !== null) {
      const session = this.sessions.get(sid)
      if (!session) {
        return jsonRpcErrorResponse(
          404,
          RPC.sessionNotFound,
          'Session not found: it expired or was closed; send initialize again',
        )
      }
      session.lastSeen = this.init.now()
      const res = await session.transport.handleRequest(req, options)
      // Issue 9 (SQL slice): a client that leaves mid-call cancels it; see the helper.
      cancelOnDisconnect(req, body, session.transport)
      return res
    }
    if (req.method !== 'POST') {
      return jsonRpcErrorResponse(400, RPC.serverError, 'Bad Request: Mcp-Session-Id header is required')
    }
    if (!isInitializeRequest(body)) {
      return jsonRpcErrorResponse(
        400,
        RPC.invalidRequest,
        'Bad Request: no Mcp-Session-Id header; the first request of a session must be a single initialize request',
      )
    }
    return this.open(req, options)
  }

  private async open(req: Request, options: { parsedBody: unknown }): Promise<Response> {
    const server = createMcpServer(this.init.surface, this.listing)
    const transport = this.transport(true, (id) => {
      this.sessions.set(id, { transport, server, lastSeen: this.init.now() })
      this.init.metrics.sessionsOpened.inc()
      this.init.metrics.sessionsActive.set(this.sessions.size)
    })
    transport.onclose = () => {
      if (transport.sessionId !== undefined && this.sessions.delete(transport.sessionId)) {
        this.init.metrics.sessionsActive.set(this.sessions.size)
      }
    }
    await server.connect(transport)
    return transport.handleRequest(req, options)
  }

  private async handleStateless(req: Request, options: { parsedBody: unknown }): Promise<Response> {
    const server = createMcpServer(this.init.surface, this.listing)
    const transport = this.transport(false)
    await server.connect(transport)
    const res = await transport.handleRequest(req, options)
    return onBodyDone(res, () => {
      void server.close()
    })
  }

  /** Closes sessions idle for longer than `idleMs`; returns how many. */
  async sweep(): Promise<number> {
    const cutoff = this.init.now() - this.init.idleMs
    const idle = [...this.sessions.entries()].filter(([, s]) => s.lastSeen < cutoff)
    for (const [id, session] of idle) {
      this.sessions.delete(id)
      await session.server.close()
      this.init.metrics.sessionsExpired.inc()
      this.init.log.debug('session expired', { sessionId: id })
    }
    this.init.metrics.sessionsActive.set(this.sessions.size)
    return idle.length
  }

  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()]
    this.sessions.clear()
    this.init.metrics.sessionsActive.set(0)
    await Promise.all(all.map((s) => s.server.close()))
  }
}
