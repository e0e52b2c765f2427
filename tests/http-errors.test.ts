import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { type FakeStream, fakeWorker } from './fake-worker.ts'
import { connectClient, initializeBody, rawPost, rawSession, startTestRelay } from './helpers.ts'

/**
 * Issue 10: HTTP errors come back in one body shape, with the McppError code:
 * `{error: {code, message, details?}}`, and on /mcp the same inside a JSON-RPC error.
 */
let relay: RunningRelay

beforeAll(async () => {
  relay = await startTestRelay({
    token: 'secret-token',
    maxBodyBytes: 1024,
    limits: { sessions: { perIdentity: 1, global: 10 } },
  })
})
afterAll(() => relay.close())

const auth = { authorization: 'Bearer secret-token' }

async function jsonError(res: Response) {
  expect(res.headers.get('content-type')).toContain('application/json')
  return { status: res.status, error: ((await res.json()) as { error: any }).error }
}

describe('HTTP errors outside /mcp', () => {
  it('404: an unknown path is NOT_FOUND', async () => {
    const { status, error } = await jsonError(await fetch(`${relay.url}/api/nothing-here`, { headers: auth }))
    expect(status).toBe(404)
    expect(error.code).toBe('NOT_FOUND')
    expect(error.message).toEqual(expect.any(String))
  })

  it('401: a guarded path without a token is UNAUTHORIZED, with the challenge', async () => {
    const res = await fetch(`${relay.url}/api/status`)
    expect(res.headers.get('www-authenticate')).toContain('resource_metadata=')
    expect(await jsonError(res)).toMatchObject({ status: 401, error: { code: 'UNAUTHORIZED' } })
    const wrong = await fetch(`${relay.url}/metrics`, { headers: { authorization: 'Bearer nope' } })
    expect(await jsonError(wrong)).toMatchObject({ status: 401, error: { code: 'UNAUTHORIZED' } })
  })

  it('400: a malformed Authorization header is INVALID_PARAMS', async () => {
    const res = await fetch(`${relay.url}/api/status`, { headers: { authorization: 'Basic eA==' } })
    expect(await jsonError(res)).toMatchObject({ status: 400, error: { code: 'INVALID_PARAMS' } })
  })

  it('403: a foreign Origin is FORBIDDEN', async () => {
    const res = await fetch(`${relay.url}/api/tools`, { headers: { origin: 'http://evil.example' } })
    expect(await jsonError(res)).toMatchObject({ status: 403, error: { code: 'FORBIDDEN' } })
  })
})

describe('HTTP errors on /mcp', () => {
  it('carry the same codes inside a JSON-RPC error with a null id', async () => {
    const anonymous = await rawPost(relay.url, initializeBody())
    expect(anonymous.status).toBe(401)
    expect(anonymous.messages[0]).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, data: { code: 'UNAUTHORIZED' } },
    })
    const foreign = await rawPost(relay.url, initializeBody(), { ...auth, origin: 'http://evil.example' })
    expect(foreign.status).toBe(403)
    expect(foreign.messages[0].error.data.code).toBe('FORBIDDEN')
  })

  it('413: a body over the limit is TOO_LARGE, naming the limit', async () => {
    const big = { jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(2048) } }
    const reply = await rawPost(relay.url, big, auth)
    expect(reply.status).toBe(413)
    expect(reply.messages[0].error).toMatchObject({
      code: -32600,
      data: { code: 'TOO_LARGE', details: { limitBytes: 1024 } },
    })
  })

  it('429: a session past the quota is QUOTA_EXCEEDED, with Retry-After and the quota', async () => {
    await rawSession(relay.url, auth)
    const refused = await rawPost(relay.url, initializeBody(), auth)
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(refused.messages[0].error.data).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      details: { quota: 'sessions', scope: 'identity', limit: 1 },
    })
  })

  it('404: an unknown session id is NOT_FOUND under the SDK error number', async () => {
    const reply = await rawPost(
      relay.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { ...auth, 'mcp-session-id': 'no-such-session' },
    )
    expect(reply.status).toBe(404)
    expect(reply.messages[0]).toMatchObject({
      id: null,
      error: { code: -32001, data: { code: 'NOT_FOUND' } },
    })
  })

  it('400: a body that is not JSON keeps -32700 and carries INVALID_PARAMS', async () => {
    const res = await fetch(`${relay.url}/mcp`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{not json',
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as any).error).toMatchObject({
      code: -32700,
      data: { code: 'INVALID_PARAMS' },
    })
  })

  it('503: a request while the relay drains its calls is SHUTTING_DOWN', async () => {
    const draining = await startTestRelay({ shutdown: { graceSeconds: 300 } })
    const fake = await fakeWorker(draining.url)
    const client = await connectClient(draining.url)
    try {
      const worker: FakeStream = await fake.open()
      await worker.hello({ kinds: ['echo'], concurrency: 1 })
      const call = client.callTool({
        name: 'tools_dispatch',
        arguments: {
          tool: 'p2p_taskqueue_submit',
          params: { kind: 'echo', input: { n: 1 }, wait: true, waitTimeoutMs: 50_000 },
        },
      })
      const task = (await worker.next('assign')).tasks[0]!
      // The call is in flight, so the stop waits for it and refuses new requests meanwhile.
      const stopped = draining.close()
      const refused = await rawPost(draining.url, initializeBody())
      expect(refused.status).toBe(503)
      expect(refused.messages[0]).toMatchObject({
        id: null,
        error: { code: -32000, data: { code: 'SHUTTING_DOWN' } },
      })
      await worker.channel.send({
        type: 'results',
        results: [{ taskId: task.taskId, token: task.token, ok: true, output: { n: 1 }, durationMs: 1 }],
      })
      expect((await call).isError).toBeFalsy()
      await stopped
    } finally {
      await client.close().catch(() => {})
      await fake.stop()
      await draining.close()
    }
  })
})
