/**
 * The MCP client of tests/event-loop.test.ts, on a worker thread: the official SDK
 * client over Streamable HTTP, as `connectClient` makes it, kept off the event loop the
 * test measures, so that parsing a multi-megabyte answer is not counted as the relay's.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'

export interface CallRequest {
  id: number
  tool: string
  params: Record<string, unknown>
}

export interface CallReply {
  id: number
  /** The error code when the call failed (`_meta["mcpp/error"].code`). */
  code?: string
  /** The tool's structured result when it succeeded. */
  result?: unknown
  failure?: string
}

const client = new Client({ name: 'mcpp-event-loop-test', version: '1.0.0' })
await client.connect(new StreamableHTTPClientTransport(new URL(`${workerData.url}/mcp`)))
const port = parentPort as NonNullable<typeof parentPort>

port.on('message', async (request: CallRequest | 'close') => {
  if (request === 'close') {
    await client.close()
    port.close()
    return
  }
  let reply: CallReply
  try {
    const out = await client.callTool(
      { name: 'tools_dispatch', arguments: { tool: request.tool, params: request.params } },
      { timeout: 300_000 },
    )
    const meta = out._meta?.['mcpp/error'] as { code?: string } | undefined
    reply = out.isError
      ? { id: request.id, code: meta?.code ?? 'NO_CODE', failure: JSON.stringify(out.content).slice(0, 300) }
      : { id: request.id, result: (out.structuredContent as { result: unknown }).result }
  } catch (err) {
    reply = { id: request.id, failure: (err as Error).message }
  }
  port.postMessage(reply)
})
port.postMessage('ready')
