import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { describe, expect, it, vi } from 'vitest'
import { Quotas } from '../relay/quotas/index.ts'
import type { RunningRelay } from '../relay/relay.ts'
import { connectClient, errorMeta, initializeBody, rawPost, rawSession, startTestRelay } from './helpers.ts'

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

/** A policy with two unrestricted identities, `a` and `b`, so quotas can tell callers apart. */
function twoIdentities(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mcpp-quota-')), 'policy.yaml')
  writeFileSync(
    path,
    [
      'identities:',
      `  a: { tokenSha256: ${sha('token-a')} }`,
      `  b: { tokenSha256: ${sha('token-b')} }`,
    ].join('\n'),
  )
  return path
}
const as = (who: 'a' | 'b') => ({ authorization: `Bearer token-${who}` })

async function metric(relay: RunningRelay, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${relay.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

async function withRelay(
  overrides: Parameters<typeof startTestRelay>[0],
  run: (relay: RunningRelay) => Promise<void>,
  options: Parameters<typeof startTestRelay>[1] = {},
): Promise<void> {
  const relay = await startTestRelay(overrides, options)
  try {
    await run(relay)
  } finally {
    await relay.close()
  }
}

describe('session quotas', () => {
  it('refuses a caller’s session past its limit with 429 and Retry-After, and frees it on DELETE', async () => {
    await withRelay({ limits: { sessions: { perIdentity: 2, global: 10 } } }, async (relay) => {
      const first = await rawSession(relay.url)
      await rawSession(relay.url)
      const refused = await rawPost(relay.url, initializeBody())
      expect(refused.status).toBe(429)
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(refused.messages[0].error.code).toBe(-32000)
      expect(relay.components.sessions.size).toBe(2)

      await fetch(`${relay.url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': first } })
      expect((await rawPost(relay.url, initializeBody())).status).toBe(200)
      expect(await metric(relay, 'mcpp_quota_limit{quota="sessions",scope="identity"}')).toBe(2)
      expect(await metric(relay, 'mcpp_quota_rejections_total{quota="sessions",scope="identity"}')).toBe(1)
    })
  })

  it('refuses past the global limit whoever asks, and counts by identity', async () => {
    await withRelay(
      { accessPolicy: twoIdentities(), limits: { sessions: { perIdentity: 2, global: 3 } } },
      async (relay) => {
        await rawSession(relay.url, as('a'))
        await rawSession(relay.url, as('a'))
        expect((await rawPost(relay.url, initializeBody(), as('a'))).status).toBe(429)
        await rawSession(relay.url, as('b'))
        const global = await rawPost(relay.url, initializeBody(), as('b'))
        expect(global.status).toBe(429)
        expect(global.messages[0].error.message).toContain('all callers')
        expect(await metric(relay, 'mcpp_quota_rejections_total{quota="sessions",scope="global"}')).toBe(1)
        expect(await metric(relay, 'mcpp_quota_in_use{quota="sessions"}')).toBe(3)
      },
    )
  })

  it('frees the slots of sessions closed for idleness', async () => {
    let clock = 1_000_000
    await withRelay(
      { sessionIdleSeconds: 60, limits: { sessions: { perIdentity: 1, global: 10 } } },
      async (relay) => {
        await rawSession(relay.url)
        expect((await rawPost(relay.url, initializeBody())).status).toBe(429)
        clock += 61_000
        expect(await relay.components.sessions.sweep()).toBe(1)
        expect((await rawPost(relay.url, initializeBody())).status).toBe(200)
      },
      { now: () => clock },
    )
  })
})

describe('default limits', () => {
  it('stop one caller from opening sessions without end', async () => {
    await withRelay({}, async (relay) => {
      const limit = relay.components.config.limits.sessions.perIdentity
      const statuses = []
      for (let i = 0; i < limit + 3; i++) statuses.push((await rawPost(relay.url, initializeBody())).status)
      expect(statuses.filter((s) => s === 200)).toHaveLength(limit)
      expect(statuses.slice(limit)).toEqual([429, 429, 429])
    })
  })
})

describe('SSE stream quotas', () => {
  it('refuses a GET stream past the limit with 429 and frees the slot when the stream ends', async () => {
    await withRelay({ limits: { sseStreams: { perIdentity: 1, global: 10 } } }, async (relay) => {
      const stream = async (sid: string) =>
        fetch(`${relay.url}/mcp`, {
          headers: {
            accept: 'text/event-stream',
            'mcp-session-id': sid,
            'mcp-protocol-version': '2025-11-25',
          },
        })
      const first = await stream(await rawSession(relay.url))
      expect(first.status).toBe(200)
      const other = await rawSession(relay.url)
      const refused = await stream(other)
      expect(refused.status).toBe(429)
      expect(refused.headers.get('retry-after')).toBe('5')
      await first.body?.cancel()
      await vi.waitFor(() => expect(relay.components.quotas.sseStreams.inUse).toBe(0))
      const again = await stream(other)
      expect(again.status).toBe(200)
      await again.body?.cancel()
    })
  })
})

describe('tool call quotas', () => {
  it('answers calls past the per-second rate with QUOTA_EXCEEDED', async () => {
    await withRelay({ limits: { callsPerSecond: { perIdentity: 2, global: 100 } } }, async (relay) => {
      const client = await connectClient(relay.url)
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          client.callTool({ name: 'tools_dispatch', arguments: { tool: 'system_health', params: {} } }),
        ),
      )
      const refused = results.filter((r) => r.isError)
      expect(refused.length).toBeGreaterThan(0)
      expect(results.length - refused.length).toBeGreaterThanOrEqual(2)
      expect(errorMeta(refused[0] as any)).toMatchObject({
        code: 'QUOTA_EXCEEDED',
        quota: 'calls_per_second',
        scope: 'identity',
        limit: 2,
      })
      expect(errorMeta(refused[0] as any).retryAfterSeconds).toBeGreaterThan(0)
      await client.close()
    })
  })

  it('answers a call past the concurrent limit with QUOTA_EXCEEDED, and frees the slot when the call ends', async () => {
    await withRelay({ limits: { concurrentCalls: { perIdentity: 1, global: 100 } } }, async (relay) => {
      const client = await connectClient(relay.url)
      const stop = new AbortController()
      // A submit that waits for a task no worker will take: it runs until cancelled.
      const blocked = client
        .callTool(
          {
            name: 'tools_dispatch',
            arguments: {
              tool: 'p2p_taskqueue_submit',
              params: { kind: 'echo', input: { x: 1 }, wait: true, waitTimeoutMs: 50_000 },
            },
          },
          { signal: stop.signal },
        )
        .catch(() => 'cancelled')
      await vi.waitFor(() => expect(relay.components.quotas.concurrentCalls.inUse).toBe(1))
      const refused = await client.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'system_health', params: {} },
      })
      expect(errorMeta(refused)).toMatchObject({ code: 'QUOTA_EXCEEDED', quota: 'concurrent_calls' })
      stop.abort()
      expect(await blocked).toBe('cancelled')
      await vi.waitFor(() => expect(relay.components.quotas.concurrentCalls.inUse).toBe(0))
      const ok = await client.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'system_health', params: {} },
      })
      expect(ok.isError).toBeFalsy()
      expect(
        await metric(relay, 'mcpp_quota_rejections_total{quota="concurrent_calls",scope="identity"}'),
      ).toBe(1)
      await client.close()
    })
  })
})

describe('quota limits in /metrics', () => {
  it('shows every limit at both scopes, defaults included', async () => {
    await withRelay({}, async (relay) => {
      for (const quota of ['calls_per_second', 'concurrent_calls', 'sessions', 'sse_streams']) {
        for (const scope of ['identity', 'global']) {
          expect(await metric(relay, `mcpp_quota_limit{quota="${quota}",scope="${scope}"}`)).toBeGreaterThan(
            0,
          )
        }
      }
    })
  })
})

describe('the quota component', () => {
  it('holds amounts per identity and globally, and a refusal holds nothing', () => {
    const bytes = new Quotas(new Registry()).held('stored_bytes', { perIdentity: 100, global: 150 })
    const a = bytes.acquire('a', 80)
    expect(a.ok).toBe(true)
    expect(bytes.acquire('a', 30)).toMatchObject({ ok: false, refusal: { scope: 'identity', limit: 100 } })
    expect(bytes.acquire('b', 80)).toMatchObject({ ok: false, refusal: { scope: 'global', limit: 150 } })
    expect([bytes.heldBy('a'), bytes.heldBy('b'), bytes.inUse]).toEqual([80, 0, 80])
    if (a.ok) {
      a.lease.release()
      a.lease.release()
    }
    expect(bytes.inUse).toBe(0)
    expect(bytes.acquire('b', 100).ok).toBe(true)
  })

  it('treats 0 as no limit and refuses a second quota of the same name', () => {
    const quotas = new Quotas(new Registry())
    const open = quotas.held('queued_tasks', { perIdentity: 0, global: 0 })
    expect(open.acquire('a', 1e9).ok).toBe(true)
    expect(() => quotas.held('queued_tasks', { perIdentity: 1, global: 1 })).toThrow(/already defined/)
  })

  it('refuses events past the rate, giving a global refusal back to the caller', async () => {
    const rate = new Quotas(new Registry()).rate('submits', { perIdentity: 3, global: 4 }, 60)
    expect((await rate.take('a', 3)).ok).toBe(true)
    expect(await rate.take('a')).toMatchObject({ ok: false, refusal: { scope: 'identity' } })
    expect((await rate.take('b')).ok).toBe(true)
    expect(await rate.take('b')).toMatchObject({ ok: false, refusal: { scope: 'global' } })
    const refused = await rate.take('c')
    expect(refused.ok ? 0 : refused.refusal.retryAfterSeconds).toBeGreaterThan(1)
  })
})
