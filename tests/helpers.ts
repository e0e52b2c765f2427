import { mkdtempSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll } from 'vitest'
import type { ComponentOptions } from '../relay/components.ts'
import { configSchema, type RelayConfigInput } from '../relay/config/schema.ts'
import { createLogger } from '../relay/log.ts'
import { type RunningRelay, startRelay } from '../relay/relay.ts'

/** Starts a real relay on an ephemeral port with a fresh data directory. */
export async function startTestRelay(
  overrides: RelayConfigInput = {},
  options: ComponentOptions = {},
): Promise<RunningRelay> {
  const config = configSchema.parse({
    port: 0,
    p2pPort: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'mcpp-test-')),
    logLevel: 'silent',
    // A test that ends with a call still hanging should not wait out the 10 s default.
    shutdown: { graceSeconds: 1 },
    ...overrides,
  })
  return startRelay(config, { log: createLogger('silent'), ...options })
}

/** An official SDK client connected over Streamable HTTP. */
/** The stateless protocol revision the relay serves next to 2025-11-25 sessions. */
export const MODERN_REVISION = '2026-07-28'

/**
 * An SDK client connected to `url`/mcp. By default it speaks 2025-11-25 (initialize,
 * a session); `era: 'modern'` pins it to 2026-07-28 (server/discover, no session).
 */
export async function connectClient(
  url: string,
  headers: Record<string, string> = {},
  options: { era?: 'legacy' | 'modern' } = {},
): Promise<Client> {
  const client = new Client(
    { name: 'mcpp-test', version: '1.0.0' },
    options.era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN_REVISION } } } : {},
  )
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }))
  return client
}

/** `tools_dispatch` of `tool`: its result, or an error naming the failure. */
export async function dispatchTool(
  client: Client,
  tool: string,
  params: Record<string, unknown>,
  timeout = 120_000,
): Promise<any> {
  const result = await client.callTool(
    { name: 'tools_dispatch', arguments: { tool, params } },
    {
      timeout,
    },
  )
  if (result.isError) throw new Error(JSON.stringify(result._meta ?? result.content))
  return (result.structuredContent as { result: unknown }).result
}

/** Waits until a task finishes: one wait answers within 50 s (the tool's cap), so wait again. */
export async function taskFinished(client: Client, taskId: string): Promise<any> {
  for (;;) {
    const waited = await dispatchTool(client, 'p2p_taskqueue_wait', { taskId })
    if (!waited.timedOut) return waited
  }
}

export const ACCEPT = 'application/json, text/event-stream'

export function initializeBody(id = 1) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  }
}

export interface RpcReply {
  status: number
  headers: Headers
  /** JSON-RPC messages from a JSON body or from the `data:` lines of an SSE body. */
  messages: any[]
}

/** POSTs raw bytes or JSON to /mcp and decodes whatever comes back. */
export async function rawPost(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RpcReply> {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let messages: any[] = []
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    messages = text
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line.length > 6)
      .map((line) => JSON.parse(line.slice(6)))
  } else if (text.length > 0) {
    const parsed = JSON.parse(text)
    messages = Array.isArray(parsed) ? parsed : [parsed]
  }
  return { status: res.status, headers: res.headers, messages }
}

/** Opens a session with raw HTTP and returns its id (initialize + initialized). */
export async function rawSession(url: string, headers: Record<string, string> = {}): Promise<string> {
  const init = await rawPost(url, initializeBody(), headers)
  const sid = init.headers.get('mcp-session-id')
  if (!sid) throw new Error(`no session id (status ${init.status})`)
  await rawPost(
    url,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { ...headers, 'mcp-session-id': sid },
  )
  return sid
}

export function errorMeta(result: { _meta?: Record<string, unknown> | undefined }): Record<string, any> {
  return (result._meta?.['mcpp/error'] ?? {}) as Record<string, any>
}

/** A request through node:http, which (unlike fetch) lets a test set the Host header. */
export function nodeRequest(
  url: string,
  options: { method: string; headers: Record<string, string>; body?: string; chunks?: string[] },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method, headers: options.headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    for (const chunk of options.chunks ?? []) req.write(chunk)
    req.end(options.body)
  })
}

/** A relay and a connected client for one test file, with tools_dispatch helpers. */
export interface ToolHarness {
  readonly relay: RunningRelay
  readonly client: Client
  /** Dispatches a tool and returns the raw MCP result (for asserting errors). */
  call(tool: string, params: Record<string, unknown>): ReturnType<Client['callTool']>
  /** Dispatches a tool and returns its structured result; a tool error fails the test. */
  ok(tool: string, params: Record<string, unknown>): Promise<any>
}

export function toolHarness(overrides: RelayConfigInput = {}): ToolHarness {
  let relay: RunningRelay | undefined
  let client: Client | undefined
  beforeAll(async () => {
    relay = await startTestRelay(overrides)
    client = await connectClient(relay.url)
  })
  afterAll(async () => {
    await client?.close()
    await relay?.close()
  })
  const call = (tool: string, params: Record<string, unknown>) =>
    (client as Client).callTool({ name: 'tools_dispatch', arguments: { tool, params } })
  return {
    get relay() {
      return relay as RunningRelay
    },
    get client() {
      return client as Client
    },
    call,
    async ok(tool, params) {
      const result = await call(tool, params)
      if (result.isError) throw new Error(JSON.stringify(result.content))
      return (result.structuredContent as { result: unknown }).result
    },
  }
}
