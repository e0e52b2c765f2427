/**
 * The baseline for `npm run bench`: the official SDK's McpServer over its Node
 * Streamable HTTP transport, one session per client, exposing one trivial tool. It
 * is what a hand-written MCP server with no gateway in front of it costs.
 */
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node'
import { isInitializeRequest, McpServer } from '@modelcontextprotocol/server'
import { z } from 'zod'

function newServer(): McpServer {
  const server = new McpServer({ name: 'bare-sdk', version: '1.0.0' })
  server.registerTool(
    'echo',
    {
      description: 'Echo a message back',
      inputSchema: z.object({ message: z.string() }),
      outputSchema: z.object({ message: z.string() }),
    },
    async ({ message }) => ({
      content: [{ type: 'text', text: JSON.stringify({ message }) }],
      structuredContent: { message },
    }),
  )
  return server
}

const transports = new Map<string, NodeStreamableHTTPServerTransport>()

const http = createServer(async (req, res) => {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined
  const sessionId = req.headers['mcp-session-id']
  let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined
  if (transport === undefined && req.method === 'POST' && isInitializeRequest(body)) {
    const created = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        transports.set(id, created)
      },
    })
    created.onclose = () => {
      if (created.sessionId !== undefined) transports.delete(created.sessionId)
    }
    await newServer().connect(created)
    transport = created
  }
  if (transport === undefined) {
    res.writeHead(400).end('no session')
    return
  }
  await transport.handleRequest(req, res, body)
})

http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo
  process.stdout.write(`bare sdk ready: MCP endpoint http://127.0.0.1:${port}/mcp\n`)
})
process.once('SIGTERM', () => process.exit(0))
