import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { LifecyclePart } from '../../shared/startable.ts'

/**
 * After the MCP sessions have drained and closed (they stop first), responses still
 * being written get this long to finish before their connections are closed.
 */
const CLOSE_WAIT_MS = 2000

type NodeServer = ReturnType<typeof serve>

export interface HttpServerInit {
  host: string
  port: number
  /** Builds the request handler when the server starts (the app reads the other parts). */
  fetch: () => (request: Request) => Response | Promise<Response>
}

/** The relay's HTTP listener as a lifecycle part: listens in `start()`, closes in `stop()`. */
export class HttpServer implements LifecyclePart {
  readonly name = 'http-server'
  private readonly init: HttpServerInit
  private server: NodeServer | undefined
  private boundPort: number | undefined
  private closing: Promise<void> | undefined

  constructor(init: HttpServerInit) {
    this.init = init
  }

  /** The port the server listens on (the one picked when the configured port is 0). */
  get port(): number {
    if (this.boundPort === undefined) throw new Error('the HTTP server is not listening')
    return this.boundPort
  }

  /** Base URL, e.g. `http://127.0.0.1:8000` (a wildcard bind address is reached through loopback). */
  get url(): string {
    const host = this.init.host.includes(':') ? `[${this.init.host}]` : this.init.host
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${this.port}`
  }

  async start(): Promise<void> {
    const fetch = this.init.fetch()
    await new Promise<void>((resolve, reject) => {
      const server = serve({ fetch, hostname: this.init.host, port: this.init.port }, (info: AddressInfo) => {
        this.boundPort = info.port
        resolve()
      })
      this.server = server
      server.once('error', reject)
    })
  }

  /** Stops listening, lets responses in progress finish (bounded), then closes every connection. */
  stop(): Promise<void> {
    const server = this.server
    if (server === undefined) return Promise.resolve()
    this.closing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        if ('closeAllConnections' in server) server.closeAllConnections()
      }, CLOSE_WAIT_MS)
      timer.unref()
      server.close(() => {
        clearTimeout(timer)
        resolve()
      })
      if ('closeIdleConnections' in server) server.closeIdleConnections()
    })
    return this.closing
  }

  /**
   * Skips the wait for responses in progress (a second SIGTERM or SIGINT), once the
   * server is closing; before that, the connections still carry the answers to the
   * calls that a stop cuts.
   */
  hurry(): void {
    const server = this.server
    if (this.closing && server && 'closeAllConnections' in server) server.closeAllConnections()
  }
}
