import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { rawPost, rawSession, startTestRelay } from './helpers.ts'

let clock = 1_000_000
let relay: RunningRelay

beforeAll(async () => {
  relay = await startTestRelay({ sessionIdleSeconds: 60 }, { now: () => clock })
})
afterAll(async () => {
  await relay?.close()
})

const inSession = (sid: string) => ({ 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' })
const dispatchBody = (id: number, tool: string, params: unknown) =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"tools_dispatch","arguments":{"tool":"${tool}","params":${typeof params === 'string' ? params : JSON.stringify(params)}}}}`

describe('OPTIONS on /mcp', () => {
  it('never reaches the session, so it does not keep an idle session alive', async () => {
    const sid = await rawSession(relay.url)
    clock += 40_000
    for (const headers of [
      { 'mcp-session-id': sid },
      { 'mcp-session-id': sid, origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
    ]) {
      const res = await fetch(`${relay.url}/mcp`, { method: 'OPTIONS', headers })
      expect(res.status).toBe(204)
    }
    clock += 40_000
    expect(await relay.components.sessions.sweep()).toBe(1)
    const gone = await rawPost(relay.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, inSession(sid))
    expect(gone.status).toBe(404)
  })
})

describe('JSON-RPC batches', () => {
  it('are refused whole with invalid-request, and none of their messages runs', async () => {
    const sid = await rawSession(relay.url)
    const batch = `[${dispatchBody(1, 'cache_set', { key: 'batched', value: 1 })},{"jsonrpc":"2.0","id":2,"method":"ping"}]`
    const reply = await rawPost(relay.url, batch, inSession(sid))
    expect(reply.status).toBe(400)
    expect(reply.messages).toHaveLength(1)
    expect(reply.messages[0].error.code).toBe(-32600)
    const get = await rawPost(relay.url, dispatchBody(3, 'cache_get', { key: 'batched' }), inSession(sid))
    expect(get.messages[0].result.structuredContent.result.found).toBe(false)
  })
})

describe('deeply nested params', () => {
  it('give INVALID_PARAMS, not INTERNAL, at any depth the body limit allows', async () => {
    const sid = await rawSession(relay.url)
    for (const depth of [100, 10_000, 500_000]) {
      const deep = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
      for (const tool of ['cache_set', 'no_such_tool']) {
        const reply = await rawPost(
          relay.url,
          dispatchBody(4, tool, `{"key":"k","value":${deep}}`),
          inSession(sid),
        )
        const error = reply.messages[0].result._meta['mcpp/error']
        expect({ depth, tool, code: error.code }).toEqual({ depth, tool, code: 'INVALID_PARAMS' })
      }
    }
    const shallow = await rawPost(
      relay.url,
      dispatchBody(5, 'cache_set', { key: 'k', value: { a: { b: [1] } } }),
      inSession(sid),
    )
    expect(shallow.messages[0].result.isError).toBeFalsy()
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200)
  })
})

describe('session ownership', () => {
  it('answers another identity’s session id as not found', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mcpp-owner-')), 'policy.yaml')
    const sha = (text: string) => createHash('sha256').update(text).digest('hex')
    writeFileSync(
      path,
      `identities:\n  a: { tokenSha256: ${sha('token-a')} }\n  b: { tokenSha256: ${sha('token-b')} }\n`,
    )
    const guarded = await startTestRelay({ accessPolicy: path })
    try {
      const sid = await rawSession(guarded.url, { authorization: 'Bearer token-a' })
      const ping = { jsonrpc: '2.0', id: 1, method: 'ping' }
      const own = await rawPost(guarded.url, ping, { ...inSession(sid), authorization: 'Bearer token-a' })
      expect(own.status).toBe(200)
      const other = await rawPost(guarded.url, ping, { ...inSession(sid), authorization: 'Bearer token-b' })
      expect(other.status).toBe(404)
      const anonymous = await rawPost(guarded.url, ping, inSession(sid))
      expect(anonymous.status).toBe(404)
    } finally {
      await guarded.close()
    }
  })
})
