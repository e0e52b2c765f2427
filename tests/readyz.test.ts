import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createComponents } from '../relay/components.ts'
import { configSchema } from '../relay/config/schema.ts'
import { createHttpApp } from '../relay/http/app.ts'
import { createLogger } from '../relay/log.ts'
import type { RunningRelay } from '../relay/relay.ts'
import { connectClient, errorMeta, startTestRelay } from './helpers.ts'

const cleanup: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {})
})

async function started(overrides: Parameters<typeof startTestRelay>[0] = {}): Promise<RunningRelay> {
  const relay = await startTestRelay(overrides)
  cleanup.push(() => relay.close())
  return relay
}

const readyz = async (url: string) => {
  const res = await fetch(`${url}/readyz`)
  return { status: res.status, body: await res.json() }
}

describe('/readyz', () => {
  it('is ready once started: the stores are open and libp2p listens, with no token asked', async () => {
    const relay = await started({ token: 'secret-token-of-the-operator' })
    const { status, body } = await readyz(relay.url)
    expect(status).toBe(200)
    expect(body.status).toBe('ready')
    for (const check of [
      'lifecycle',
      'task-store',
      'cache',
      'audit-log',
      'datasets',
      'libp2p',
      'libp2p-listening',
    ]) {
      expect(body.checks[check]).toEqual({ status: 'ok' })
    }
    // The MCP endpoint of the same relay does want the token.
    expect((await fetch(`${relay.url}/mcp`, { method: 'POST' })).status).toBe(401)
  })

  it('is ready with P2P disabled, which it reports as disabled', async () => {
    const relay = await started({ disableP2p: true })
    const { status, body } = await readyz(relay.url)
    expect(status).toBe(200)
    expect(body.checks['libp2p-listening']).toMatchObject({ status: 'disabled' })
    expect(body.checks.libp2p).toBeUndefined()
  })

  it('is not ready before the relay has started, nor while it starts', async () => {
    const config = configSchema.parse({
      port: 0,
      p2pPort: 0,
      dataDir: mkdtempSync(join(tmpdir(), 'mcpp-readyz-')),
      logLevel: 'silent',
    })
    const components = createComponents(config, { log: createLogger('silent') })
    cleanup.push(() => components.stop())
    const res = await createHttpApp(components).fetch(new Request('http://127.0.0.1/readyz'))
    expect(res.status).toBe(503)
    const body = await res.json()
    expect(body.status).toBe('not ready')
    expect(body.checks.lifecycle).toEqual({ status: 'failing', detail: 'not started' })
    expect(body.failing).toEqual(expect.arrayContaining(['lifecycle', 'cache', 'audit-log', 'libp2p']))

    const starting = components.start()
    expect(components.readiness()).toMatchObject({
      ready: false,
      checks: { lifecycle: { status: 'failing', detail: 'starting' } },
    })
    await starting
    expect(components.readiness().ready).toBe(true)
  })

  it('is not ready once a graceful stop has begun, while /healthz still answers', async () => {
    // A call that waits on a task no worker takes holds the stop in its grace period.
    const relay = await started({ tasks: { unknownKinds: 'warn' }, shutdown: { graceSeconds: 300 } })
    const client: Client = await connectClient(relay.url)
    cleanup.push(() => client.close())
    const call = client.callTool(
      {
        name: 'tools_dispatch',
        arguments: {
          tool: 'p2p_taskqueue_submit',
          params: { kind: 'held', input: {}, wait: true, waitTimeoutMs: 50_000 },
        },
      },
      { timeout: 120_000 },
    )
    await vi.waitFor(() => expect(relay.components.calls.size).toBe(1))
    expect((await readyz(relay.url)).status).toBe(200)

    const closing = relay.close()
    const { status, body } = await readyz(relay.url)
    expect(status).toBe(503)
    expect(body.failing).toContain('lifecycle')
    expect(body.checks.lifecycle.detail).toMatch(/^stopping/)
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200)

    relay.components.hurry()
    expect(errorMeta(await call).code).toBe('SHUTTING_DOWN')
    await closing
  })
})
