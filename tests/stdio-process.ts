import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'

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
 * The SDK's stdio client, spawning `command args` as a client application would. Logs
 * go to a buffer; a line on stdout that is not JSON-RPC shows up in `errors`.
 */
export async function connectStdio(command: string, args: string[]): Promise<StdioConnection> {
  const transport = new StdioClientTransport({
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
  const client = new Client({ name: 'mcpp-stdio-test', version: '1.0.0' })
  client.onerror = (e) => errors.push(e)
  try {
    await client.connect(transport)
  } catch (e) {
    await transport.close()
    throw new Error(`stdio relay did not start: ${(e as Error).message}\n${err}`)
  }
  return { client, transport, stderr: () => err, errors }
}
