import { ACCEPT, initializeBody } from '../helpers.ts'
import { type JsonLike, toJsonText } from './json-text.ts'

/** What came back for one JSON-RPC request, whatever it was. */
export interface RpcOutcome {
  /** HTTP status; 0 when no response arrived. */
  status: number
  result?: any
  error?: { code: number; message: string; data?: unknown }
  /** The response did not arrive within the bound. */
  timedOut?: boolean
  /** The connection failed (the relay died or reset it). */
  failed?: string
  /** A body that is not a JSON-RPC response (e.g. an HTTP error page). */
  body?: string
}

/**
 * A raw MCP session over Streamable HTTP. The fuzz does not use the SDK client here
 * because it must send JSON the SDK cannot build (100,000-level nesting, 1e309) and
 * must bound every call by time.
 */
export class McpWire {
  private readonly url: string
  private readonly headers: Record<string, string>
  private sessionId = ''
  private nextId = 1

  constructor(url: string, headers: Record<string, string>) {
    this.url = `${url}/mcp`
    this.headers = headers
  }

  async connect(): Promise<void> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: this.requestHeaders(),
      body: JSON.stringify(initializeBody()),
    })
    await res.text()
    const sid = res.headers.get('mcp-session-id')
    if (!sid) throw new Error(`initialize gave no session id (HTTP ${res.status})`)
    this.sessionId = sid
    await this.post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), 10_000)
  }

  get session(): string {
    return this.sessionId
  }

  /** Calls one tool through the `tools_dispatch` meta-tool. */
  dispatch(
    tool: JsonLike,
    params: JsonLike | undefined,
    options: { timeoutMs: number },
  ): Promise<RpcOutcome> {
    const args: JsonLike = params === undefined ? { tool } : { tool, params }
    return this.request('tools/call', { name: 'tools_dispatch', arguments: args }, options)
  }

  async request(method: string, params: JsonLike, options: { timeoutMs: number }): Promise<RpcOutcome> {
    const id = this.nextId++
    const body = `{"jsonrpc":"2.0","id":${id},"method":${JSON.stringify(method)},"params":${toJsonText(params)}}`
    return this.post(body, options.timeoutMs, id)
  }

  private requestHeaders(): Record<string, string> {
    return {
      'content-type': 'application/json',
      accept: ACCEPT,
      'mcp-protocol-version': '2025-11-25',
      ...this.headers,
      ...(this.sessionId ? { 'mcp-session-id': this.sessionId } : {}),
    }
  }

  private async post(body: string, timeoutMs: number, id?: number): Promise<RpcOutcome> {
    let status = 0
    let text: string
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: this.requestHeaders(),
        body,
        signal: AbortSignal.timeout(timeoutMs),
      })
      status = res.status
      text = await res.text()
    } catch (err) {
      const e = err as Error
      if (e.name === 'TimeoutError') return { status, timedOut: true }
      return { status, failed: `${e.message}${e.cause ? ` (${(e.cause as Error).message})` : ''}` }
    }
    if (id === undefined) return { status }
    const messages = parseMessages(text)
    const reply = messages.find((m) => m && typeof m === 'object' && m.id === id)
    if (!reply) return { status, body: text.slice(0, 1000) }
    return { status, ...(reply.error ? { error: reply.error } : { result: reply.result }) }
  }

  async close(): Promise<void> {
    if (!this.sessionId) return
    await fetch(this.url, {
      method: 'DELETE',
      headers: this.requestHeaders(),
      signal: AbortSignal.timeout(2000),
    }).catch(() => {})
  }
}

/** The JSON-RPC messages of a JSON body or of the `data:` lines of an SSE body. */
function parseMessages(text: string): any[] {
  const trimmed = text.trimStart()
  try {
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      const parsed = JSON.parse(trimmed)
      return Array.isArray(parsed) ? parsed : [parsed]
    }
    return text
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line.length > 6)
      .map((line) => JSON.parse(line.slice(6)))
  } catch {
    return []
  }
}
