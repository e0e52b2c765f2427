import { ProtocolError } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { connectClient, rawPost, rawSession, startTestRelay } from './helpers.ts'

const HINT = 'tools/list shows the callable tools; use tools_dispatch for the rest.'

let relay: RunningRelay
beforeAll(async () => {
  relay = await startTestRelay({ disableP2p: true })
})
afterAll(() => relay.close())

describe('calling an unknown tool', () => {
  it('is a JSON-RPC -32602 error whose message carries no SDK prefix', async () => {
    const sid = await rawSession(relay.url)
    const reply = await rawPost(
      relay.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } },
      { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
    )
    expect(reply.messages[0]).toEqual({
      jsonrpc: '2.0',
      id: 2,
      error: { code: -32602, message: `Unknown tool: no_such_tool. ${HINT}` },
    })
  })

  it('reaches the SDK client as the relay wrote it', async () => {
    const client = await connectClient(relay.url)
    try {
      const error = await client.callTool({ name: 'no_such_tool', arguments: {} }).catch((err) => err)
      expect(error).toBeInstanceOf(ProtocolError)
      expect(error.code).toBe(-32602)
      expect(error.message).toBe(`Unknown tool: no_such_tool. ${HINT}`)
    } finally {
      await client.close()
    }
  })
})
