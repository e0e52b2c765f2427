import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'
import { MODERN_REVISION } from './helpers.ts'

/** The package's `bin` (package.json): what `npx mcpp` runs. */
export const BIN = join(import.meta.dirname, '..', 'relay', 'bin', 'mcpp.js')

/** A spawned relay starts (libp2p, stores) and stops in seconds, slower on a loaded machine. */
export const SPAWN_TIMEOUT_MS = 90_000

export interface StdioConnection {
  client: Client
  transport: StdioClientTransport
  /** Everything the relay wrote to stderr so far. */
  stderr: () => string
  /** Errors the client transport reported: a stdout line that is not a JSON-RPC message is one. */
  errors: Error[]
}

/**
 * The SDK's stdio transport, subclassed so a 2026 client probes on its own connection:
 * the SDK runs the probe of its exact base class in a second, throwaway process, which
 * for MCP++ would be a second relay on the same data directory.
 */
class InPlaceStdioClientTransport extends StdioClientTransport {}

/**
 * The SDK's stdio client, spawning `command args` as a client application would. Logs
 * go to a buffer; a line on stdout that is not JSON-RPC shows up in `errors`. By default
 * it speaks 2025-11-25; `era: 'modern'` pins it to 2026-07-28.
 */
export async function connectStdio(
  command: string,
  args: string[],
  options: { era?: 'legacy' | 'modern' } = {},
): Promise<StdioConnection> {
  const transport = new InPlaceStdioClientTransport({
    command,
    args,
    stderr: 'pipe',
    env: { ...process.env } as Record<string, string>,
  })
  let err = ''
  transport.stderr?.on('data', (d) => {
    err += d
  })
  const errors: Error[] = []
  const client = new Client(
    { name: 'mcpp-stdio-test', version: '1.0.0' },
    options.era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN_REVISION } } } : {},
  )
  client.onerror = (e) => errors.push(e)
  try {
    await client.connect(transport)
  } catch (e) {
    await transport.close()
    throw new Error(`stdio relay did not start: ${(e as Error).message}\n${err}`)
  }
  return { client, transport, stderr: () => err, errors }
}
