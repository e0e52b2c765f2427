import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { configSchema, type RelayConfigInput } from '../relay/config/schema.ts'
import { createLogger } from '../relay/log.ts'
import { type RunningRelay, startRelay } from '../relay/relay.ts'

/** Starts a real relay on an ephemeral port with a fresh data directory. */
export async function startTestRelay(
  overrides: RelayConfigInput = {},
  options: { now?: () => number } = {},
): Promise<RunningRelay> {
  const config = configSchema.parse({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'mcpp-test-')),
    logLevel: 'silent',
    ...overrides,
  })
  return startRelay(config, { log: createLogger('silent'), ...options })
}

/** An official SDK client connected over Streamable HTTP. */
export async function connectClient(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'mcpp-test', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }))
  return client
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
