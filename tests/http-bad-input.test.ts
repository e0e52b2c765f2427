import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import {
  ACCEPT,
  connectClient,
  initializeBody,
  nodeRequest,
  rawPost,
  rawSession,
  startTestRelay,
} from './helpers.ts'

let relay: RunningRelay
let sid: string

beforeAll(async () => {
  relay = await startTestRelay({ maxBodyBytes: 64 * 1024 })
  sid = await rawSession(relay.url)
})
afterAll(async () => {
  await relay.close()
})

const session = () => ({ 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' })

describe('bad input on the MCP endpoint', () => {
  it('answers malformed JSON without a session with 400 and a parse error', async () => {
    const reply = await rawPost(relay.url, '{"jsonrpc": "2.0", "id": 1, "method": ')
    expect(reply.status).toBe(400)
    expect(reply.messages[0].error.code).toBe(-32700)
  })

  it('answers malformed JSON inside a session with 400 and a parse error', async () => {
    const reply = await rawPost(relay.url, 'not json at all', session())
    expect(reply.status).toBe(400)
    expect(reply.messages[0].error.code).toBe(-32700)
  })

  it('rejects a batch of garbage with 400 and an invalid-request error', async () => {
    const reply = await rawPost(relay.url, [1, 'two', { three: 3 }], session())
    expect(reply.status).toBe(400)
    expect(reply.messages[0].error.code).toBe(-32600)
  })

  it('rejects a body over the size limit with 413', async () => {
    const big = { jsonrpc: '2.0', id: 9, method: 'ping', params: { pad: 'x'.repeat(70 * 1024) } }
    const reply = await rawPost(relay.url, big, session())
    expect(reply.status).toBe(413)
    expect(reply.messages[0].error.code).toBe(-32600)
  })

  it('rejects a chunked body over the size limit with 413 and still reads a small chunked one', async () => {
    const headers = {
      ...session(),
      host: new URL(relay.url).host,
      'content-type': 'application/json',
      accept: ACCEPT,
      'transfer-encoding': 'chunked',
    }
    const pad = 'x'.repeat(40 * 1024)
    const big = await nodeRequest(`${relay.url}/mcp`, {
      method: 'POST',
      headers,
      chunks: [`{"jsonrpc":"2.0","id":10,"method":"ping","params":{"a":"${pad}",`, `"b":"${pad}"}}`],
    })
    expect(big.status).toBe(413)
    expect(JSON.parse(big.body).error.code).toBe(-32600)
    const small = await nodeRequest(`${relay.url}/mcp`, {
      method: 'POST',
      headers,
      chunks: ['{"jsonrpc":"2.0",', '"id":11,"method":"ping"}'],
    })
    expect(small.status).toBe(200)
    expect(small.body).toContain('"id":11')
  })

  it('answers an unknown method with method-not-found', async () => {
    const reply = await rawPost(relay.url, { jsonrpc: '2.0', id: 2, method: 'tools/explode' }, session())
    expect(reply.status).toBe(200)
    expect(reply.messages[0]).toMatchObject({ id: 2, error: { code: -32601 } })
  })

  it('answers tools/call of a tool that is not listed with invalid-params', async () => {
    const call = {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'cache_get', arguments: { key: 'a' } },
    }
    const reply = await rawPost(relay.url, call, session())
    expect(reply.messages[0]).toMatchObject({ id: 3, error: { code: -32602 } })
  })

  it('reports params that fail validation as a tool error naming the parameter', async () => {
    const call = {
      jsonrpc: '2.0',
      id: 4,
      method: 'tools/call',
      params: { name: 'tools_search', arguments: { query: 'hash', limit: 'ten' } },
    }
    const reply = await rawPost(relay.url, call, session())
    const result = reply.messages[0].result
    expect(result.isError).toBe(true)
    expect(result._meta['mcpp/error'].code).toBe('INVALID_PARAMS')
    expect(result._meta['mcpp/error'].problems[0].param).toBe('limit')
  })

  it('refuses a non-initialize request without a session id with 400', async () => {
    const reply = await rawPost(relay.url, { jsonrpc: '2.0', id: 5, method: 'tools/list' })
    expect(reply.status).toBe(400)
    expect(reply.messages[0].error.code).toBe(-32600)
  })

  it('answers an unknown session id with 404', async () => {
    const reply = await rawPost(
      relay.url,
      { jsonrpc: '2.0', id: 6, method: 'tools/list' },
      { 'mcp-session-id': 'no-such-session' },
    )
    expect(reply.status).toBe(404)
    expect(reply.messages[0].error.code).toBe(-32001)
  })

  it('answers a closed (DELETEd) session with 404', async () => {
    const other = await rawSession(relay.url)
    const del = await fetch(`${relay.url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': other } })
    expect(del.status).toBe(200)
    const reply = await rawPost(
      relay.url,
      { jsonrpc: '2.0', id: 7, method: 'ping' },
      { 'mcp-session-id': other },
    )
    expect(reply.status).toBe(404)
  })

  it('rejects an unsupported protocol version header with 400', async () => {
    const reply = await rawPost(
      relay.url,
      { jsonrpc: '2.0', id: 8, method: 'ping' },
      { 'mcp-session-id': sid, 'mcp-protocol-version': '1999-01-01' },
    )
    expect(reply.status).toBe(400)
  })

  it('rejects a foreign Origin and a foreign Host with 403 (DNS rebinding)', async () => {
    const origin = await rawPost(relay.url, initializeBody(), { origin: 'http://evil.example' })
    expect(origin.status).toBe(403)
    const host = await nodeRequest(`${relay.url}/mcp`, {
      method: 'POST',
      headers: { host: 'evil.example:8000', 'content-type': 'application/json', accept: ACCEPT },
      body: JSON.stringify(initializeBody()),
    })
    expect(host.status).toBe(403)
    expect(JSON.parse(host.body).error.code).toBe(-32000)
    const local = await rawPost(relay.url, initializeBody(), { origin: `http://localhost:5173` })
    expect(local.status).toBe(200)
  })

  it('answers a CORS preflight from an allowed origin and exposes the session header', async () => {
    const res = await fetch(`${relay.url}/mcp`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, mcp-session-id',
      },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:3000')
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('mcp-session-id')
  })

  it('keeps serving other clients after all of the above', async () => {
    const client = await connectClient(relay.url)
    const result = await client.callTool({ name: 'tools_list_categories', arguments: {} })
    expect(result.isError).toBeFalsy()
    await client.close()
  })
})
