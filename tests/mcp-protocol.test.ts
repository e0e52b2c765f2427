import type { Client } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { connectClient, errorMeta, rawPost, startTestRelay } from './helpers.ts'

let relay: RunningRelay
let client: Client

beforeAll(async () => {
  relay = await startTestRelay()
  client = await connectClient(relay.url)
})
afterAll(async () => {
  await client.close()
  await relay.close()
})

async function decisions(tool: string): Promise<Array<{ runtime: string; outcome: string; count: number }>> {
  const stats = await client.callTool({
    name: 'tools_dispatch',
    arguments: { tool: 'system_router_stats', params: { tool } },
  })
  return (stats.structuredContent as any).result.decisions
}

describe('MCP protocol features', () => {
  it('answers ping and accepts a logging level', async () => {
    await expect(client.ping()).resolves.toBeDefined()
    await expect(client.setLoggingLevel('debug')).resolves.toBeDefined()
  })

  it('sends progress notifications when the client sends a progress token', async () => {
    const progress: Array<{ progress: number; total?: number | undefined }> = []
    const result = await client.callTool(
      { name: 'tools_dispatch', arguments: { tool: 'system_wait', params: { ms: 20, steps: 4 } } },
      { onprogress: (p) => progress.push(p) },
    )
    expect(result.isError).toBeFalsy()
    expect(progress.map((p) => p.progress)).toEqual([0, 1, 2, 3, 4])
    expect(progress.every((p) => p.total === 4)).toBe(true)
  })

  it('aborts the running handler when the client cancels', async () => {
    const controller = new AbortController()
    const call = client.callTool(
      { name: 'tools_dispatch', arguments: { tool: 'system_wait', params: { ms: 600_000, steps: 1000 } } },
      { signal: controller.signal, onprogress: () => controller.abort('user pressed stop') },
    )
    await expect(call).rejects.toThrow()
    // The cancellation notification travels on its own request; wait for its effect.
    await vi.waitFor(async () => {
      expect(await decisions('system_wait')).toContainEqual({
        tool: 'system_wait',
        runtime: 'local',
        outcome: 'cancelled',
        count: 1,
      })
    })
  })

  it('counts every router decision by tool, runtime and outcome in /metrics', async () => {
    await client.callTool({ name: 'tools_dispatch', arguments: { tool: 'text_hash', params: { text: 'm' } } })
    await client.callTool({ name: 'tools_dispatch', arguments: { tool: 'text_hash', params: { nope: 1 } } })
    const text = await (await fetch(`${relay.url}/metrics`)).text()
    expect(text).toMatch(/mcpp_router_decisions_total\{tool="text_hash",runtime="local",outcome="ok"\} [1-9]/)
    expect(text).toMatch(
      /mcpp_router_decisions_total\{tool="text_hash",runtime="none",outcome="invalid_params"\} 1/,
    )
    expect(text).toMatch(/mcpp_sessions_active 1/)
    expect(text).toContain('mcpp_http_request_duration_seconds_bucket')
  })

  it('runs an auto tool locally while no P2P worker is connected, saying so', async () => {
    const result = await client.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'text_embed', params: { texts: ['a b', 'c'], dimensions: 16 } },
    })
    const out = (result.structuredContent as any).result
    expect((result.structuredContent as any).runtime).toBe('local')
    expect(out.embeddings).toHaveLength(2)
    expect(out.embeddings[0]).toHaveLength(16)
  })

  it('serves health, status and the tool catalogue over HTTP', async () => {
    const health = await (await fetch(`${relay.url}/healthz`)).json()
    expect(health.status).toBe('ok')
    const status = await (await fetch(`${relay.url}/api/status`)).json()
    expect(status.runtimes.p2p.available).toBe(true)
    expect(status.runtimes.local.available).toBe(true)
    expect(status.p2p.multiaddrs[0]).toMatch(new RegExp(`/ws/p2p/${status.p2p.peerId}$`))
    expect(status.queue).toMatchObject({ queued: 0, running: 0 })
    const catalogue = await (await fetch(`${relay.url}/api/tools`)).json()
    const text = catalogue.categories.find((c: any) => c.name === 'text')
    expect(text.tools.map((t: any) => t.name)).toContain('text_chunk')
    expect(catalogue.exposure.mode).toBe('meta')
  })
})

describe('the data directory', () => {
  it('belongs to one relay at a time', async () => {
    const first = await startTestRelay()
    try {
      await expect(startTestRelay({ dataDir: first.components.config.dataDir })).rejects.toThrow(
        /in use by another relay/,
      )
    } finally {
      await first.close()
    }
    const again = await startTestRelay({ dataDir: first.components.config.dataDir })
    await again.close()
  })
})

describe('session lifecycle', () => {
  it('expires idle sessions, after which the session id gets 404', async () => {
    let clock = 1_000_000
    const idle = await startTestRelay({ sessionIdleSeconds: 60 }, { now: () => clock })
    try {
      const c = await connectClient(idle.url)
      const transport = (c as any)._transport as { sessionId: string }
      const sid = transport.sessionId
      clock += 30_000
      expect(await idle.components.sessions.sweep()).toBe(0)
      clock += 61_000
      expect(await idle.components.sessions.sweep()).toBe(1)
      const reply = await rawPost(
        idle.url,
        { jsonrpc: '2.0', id: 1, method: 'ping' },
        { 'mcp-session-id': sid },
      )
      expect(reply.status).toBe(404)
      const metrics = await (await fetch(`${idle.url}/metrics`)).text()
      expect(metrics).toMatch(/mcpp_sessions_expired_total 1/)
    } finally {
      await idle.close()
    }
  })

  it('serves without sessions in stateless mode', async () => {
    const stateless = await startTestRelay({ stateless: true })
    try {
      const c = await connectClient(stateless.url)
      const result = await c.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'text_hash', params: { text: 'x' } },
      })
      expect(result.isError).toBeFalsy()
      expect(((c as any)._transport as { sessionId?: string }).sessionId).toBeUndefined()
      await c.close()
    } finally {
      await stateless.close()
    }
  })
})

describe('bearer token', () => {
  it('requires Authorization: Bearer when MCPP_TOKEN is set', async () => {
    const guarded = await startTestRelay({ token: 's3cret' })
    try {
      const none = await fetch(`${guarded.url}/mcp`, { method: 'POST', body: '{}' })
      expect(none.status).toBe(401)
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
      const wrong = await fetch(`${guarded.url}/mcp`, {
        method: 'POST',
        body: '{}',
        headers: { authorization: 'Bearer nope' },
      })
      expect(wrong.status).toBe(401)
      const ok = await connectClient(guarded.url, { authorization: 'Bearer s3cret' })
      expect((await ok.listTools()).tools).toHaveLength(5)
      await ok.close()
      expect((await fetch(`${guarded.url}/healthz`)).status).toBe(200)
    } finally {
      await guarded.close()
    }
  })
})

describe('exposure modes and router rules', () => {
  it('lists every registered tool in flat mode and calls them directly', async () => {
    const flat = await startTestRelay({ expose: 'flat' })
    try {
      const c = await connectClient(flat.url)
      const names = (await c.listTools()).tools.map((t) => t.name)
      expect(names).toEqual(
        expect.arrayContaining(['tools_dispatch', 'cache_get', 'text_hash', 'system_health']),
      )
      expect(names).toHaveLength(flat.components.registry.all().length)
      const result = await c.callTool({ name: 'text_hash', arguments: { text: 'abc', algorithm: 'md5' } })
      expect((result.structuredContent as any).digest).toBe('900150983cd24fb0d6963f7d28e17f72')
      await c.close()
    } finally {
      await flat.close()
    }
  })

  it('lists the meta-tools plus the configured tools in hybrid mode', async () => {
    const hybrid = await startTestRelay({ expose: 'hybrid', exposeTools: ['cache_get'] })
    try {
      const c = await connectClient(hybrid.url)
      const names = (await c.listTools()).tools.map((t) => t.name)
      expect(names).toHaveLength(6)
      expect(names).toContain('cache_get')
      await c.close()
    } finally {
      await hybrid.close()
    }
    await expect(startTestRelay({ expose: 'hybrid', exposeTools: ['cache_gte'] })).rejects.toMatchObject({
      code: 'UNKNOWN_TOOL',
    })
  })

  it('fails a tool that a rule says requires P2P, naming the unavailable runtime', async () => {
    const p2p = await startTestRelay({
      disableP2p: true,
      router: { rules: [{ match: 'cache_*', requiresP2P: true }] },
    })
    try {
      const c = await connectClient(p2p.url)
      const result = await c.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'cache_stats', params: {} },
      })
      expect(result.isError).toBe(true)
      expect(errorMeta(result).code).toBe('RUNTIME_UNAVAILABLE')
      expect(errorMeta(result).message).toContain('P2P is disabled on this relay')
      await c.close()
    } finally {
      await p2p.close()
    }
  })
})
