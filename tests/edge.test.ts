import { createHash } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { relayKeyOf } from '../shared/edge/session-route.ts'
import { type RunningEdge, startEdge } from './fixtures/edge.ts'
import { connectClient, dispatchTool, MODERN_REVISION, startTestRelay } from './helpers.ts'
import { exited, type RelayProcess, spawnRelay } from './relay-process.ts'

/**
 * Issue 14: the edge Worker, run in workerd by `wrangler dev` (tests/fixtures/edge.ts),
 * in front of two real relays in child processes, driven by the official MCP client.
 */
const SECRET = 'edge-test-secret-0123456789abcdef0123'
const TOKEN = 'edge-operator-token'
const READER = 'edge-reader-token'

const relays: RelayProcess[] = []
const edges: RunningEdge[] = []
const clients: Client[] = []
let edge: RunningEdge

async function relay(): Promise<RelayProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-edge-relay-'))
  const started = await spawnRelay([
    ...['--port', '0', '--p2p-port', '0', '--data-dir', dataDir],
    ...['--edge-secret', SECRET, '--log-level', 'warn'],
  ])
  relays.push(started)
  return started
}

async function edgeWith(options: Partial<Parameters<typeof startEdge>[0]> = {}): Promise<RunningEdge> {
  const started = await startEdge({ relays: relays.map((r) => r.url), secret: SECRET, ...options })
  edges.push(started)
  return started
}

async function client(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const c = await connectClient(url, headers)
  clients.push(c)
  return c
}

const sessionOf = (c: Client) => (c.transport as StreamableHTTPClientTransport).sessionId as string
/** The relay an edge session lives on (its id starts with the relay's key). */
const relayOfSession = (c: Client) => relays.find((r) => sessionOf(c).startsWith(`${relayKeyOf(r.url)}.`))
/** Audit entries on a relay, asked of the relay directly (not through the edge). */
async function audited(r: RelayProcess, filter: Record<string, unknown>): Promise<any[]> {
  const direct = await client(r.url)
  return (await dispatchTool(direct, 'audit_query', { limit: 1000, ...filter })).entries
}

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
  })
}
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
}

beforeAll(async () => {
  await Promise.all([relay(), relay()])
  edge = await edgeWith()
}, 120_000)

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()))
  await Promise.allSettled(edges.map((e) => e.stop()))
  for (const r of relays) {
    r.child.kill('SIGKILL')
    await exited(r.child)
  }
})

describe('the edge Worker in front of two relays', () => {
  it('answers an edge-runtime tool in the Worker: no relay sees the call', async () => {
    const c = await client(edge.url)
    const result = await c.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'text_hash', params: { text: 'at the edge' } },
    })
    expect(result.isError).toBeFalsy()
    const out = result.structuredContent as any
    expect(out.runtime).toBe('edge')
    expect(out.result.digest).toBe(createHash('sha256').update('at the edge').digest('hex'))
    expect((result._meta as any)['mcpp/route']).toMatch(/edge Worker/)
    for (const r of relays) expect(await audited(r, { tool: 'text_hash' })).toEqual([])
  })

  it('answers the catalogue meta-tools as a relay does', async () => {
    const viaEdge = await client(edge.url)
    const direct = await client(relays[0]!.url)
    for (const [name, args] of [
      ['tools_list_categories', {}],
      ['tools_search', { query: 'hash text', limit: 5 }],
      ['tools_get_schema', { tool: 'dataset_query' }],
    ] as const) {
      const [e, d] = await Promise.all([
        viaEdge.callTool({ name, arguments: args }),
        direct.callTool({ name, arguments: args }),
      ])
      // Search scores are sums of floats: the last digit may differ between V8 and workerd.
      const rounded = (out: unknown) =>
        JSON.parse(JSON.stringify(out), (k, v) => (k === 'score' ? Number(v.toFixed(9)) : v))
      expect(rounded(e.structuredContent), name).toEqual(rounded(d.structuredContent))
      expect((e._meta as any)['mcpp/verification'].runtime, name).toBe('edge')
    }
    // tools/list comes from the session's relay: the same five meta-tools.
    expect((await viaEdge.listTools()).tools).toEqual((await direct.listTools()).tools)
  })

  it('routes a relay tool to the session relay, and keeps the session there, across Worker instances', async () => {
    const c = await client(edge.url)
    const home = relayOfSession(c)
    expect(home, sessionOf(c)).toBeDefined()
    for (let i = 0; i < 3; i++)
      expect(await dispatchTool(c, 'system_echo', { message: `hop ${i}` })).toMatchObject({
        message: `hop ${i}`,
      })
    const relaySession = sessionOf(c).slice(sessionOf(c).indexOf('.') + 1)
    const other = relays.find((r) => r !== home) as RelayProcess
    expect(
      await audited(home as RelayProcess, { tool: 'system_echo', sessionId: relaySession }),
    ).toHaveLength(3)
    expect(await audited(other, { tool: 'system_echo', sessionId: relaySession })).toHaveLength(0)

    // Another Worker instance, which has never seen this session, routes it to the same relay.
    const second = await edgeWith()
    const res = await post(
      second.url,
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: {
          name: 'tools_dispatch',
          arguments: { tool: 'system_echo', params: { message: 'elsewhere' } },
        },
      },
      { 'mcp-session-id': sessionOf(c), 'mcp-protocol-version': '2025-11-25' },
    )
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('elsewhere')
    expect(
      await audited(home as RelayProcess, { tool: 'system_echo', sessionId: relaySession }),
    ).toHaveLength(4)
  }, 60_000)

  it('serves a 2026-07-28 client: edge tools in the Worker, the rest on one relay per caller', async () => {
    const modern = await connectClient(edge.url, {}, { era: 'modern' })
    clients.push(modern)
    expect(modern.getNegotiatedProtocolVersion()).toBe(MODERN_REVISION)
    const hashed = await modern.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'text_hash', params: { text: 'stateless at the edge' } },
    })
    expect((hashed.structuredContent as { runtime?: string }).runtime).toBe('edge')
    for (const r of relays) expect(await audited(r, { tool: 'text_hash' })).toEqual([])

    const echoes = async () =>
      Promise.all(relays.map(async (r) => (await audited(r, { tool: 'system_echo' })).length))
    const before = await echoes()
    for (let i = 0; i < 4; i++)
      expect(await dispatchTool(modern, 'system_echo', { message: `2026 ${i}` })).toEqual({
        message: `2026 ${i}`,
      })
    const added = (await echoes()).map((n, i) => n - (before[i] ?? 0))
    expect(added.sort()).toEqual([0, 4])
  }, 60_000)

  it('refuses a session id it never issued, as MCP says (404, start again)', async () => {
    const res = await post(
      edge.url,
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { 'mcp-session-id': 'zz.nope' },
    )
    expect(res.status).toBe(404)
    expect((await res.json()).error.code).toBe(-32001)
  })

  it('checks Host and Origin as a relay does', async () => {
    const evilOrigin = await post(edge.url, INITIALIZE, { origin: 'http://evil.example' })
    expect(evilOrigin.status).toBe(403)
    expect(JSON.stringify(await evilOrigin.json())).toContain('Origin not allowed')
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${edge.url}/mcp`)
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: '/mcp',
          method: 'POST',
          headers: { host: 'evil.example' },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.end('{}')
    })
    expect(status).toBe(403)
  })

  it('serves the pages, and the relays libp2p addresses for the contribute page', async () => {
    const page = await fetch(`${edge.url}/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<!doctype html>')
    expect((await fetch(`${edge.url}/contribute/`)).status).toBe(200)
    const p2p = await (await fetch(`${edge.url}/api/p2p`)).json()
    expect(p2p.p2p.multiaddrs.length).toBeGreaterThan(0)
    for (const address of p2p.p2p.multiaddrs) expect(address).toMatch(/\/ws\/p2p\/12D3/)
  })
})

describe('guards at the edge', () => {
  it('asks for the bearer token, and applies the access policy to what it runs itself', async () => {
    const guarded = await edgeWith({
      token: TOKEN,
      accessPolicy: {
        identities: {
          reader: { tokenSha256: createHash('sha256').update(READER).digest('hex'), allow: ['system_*'] },
        },
      },
    })
    expect((await post(guarded.url, INITIALIZE)).status).toBe(401)
    expect((await post(guarded.url, INITIALIZE, { authorization: 'Bearer wrong-token' })).status).toBe(401)

    const operator = await client(guarded.url, { authorization: `Bearer ${TOKEN}` })
    await dispatchTool(operator, 'system_echo', { message: 'as operator' })
    const reader = await client(guarded.url, { authorization: `Bearer ${READER}` })
    const refused = await reader.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'text_hash', params: { text: 'x' } },
    })
    expect((refused._meta as any)['mcpp/error'].code).toBe('FORBIDDEN')
    await dispatchTool(reader, 'system_echo', { message: 'as reader' })
    // The relays saw who called (the identity the edge authenticated), not the edge.
    const seen = (await Promise.all(relays.map((r) => audited(r, { tool: 'system_echo' })))).flat()
    const identities = new Set(seen.map((e) => e.identity))
    expect(identities).toContain('operator')
    expect(identities).toContain('reader')
  }, 60_000)

  it('limits each client, answering 429 with Retry-After', async () => {
    const limit = 3
    const limited = await edgeWith({ rateLimit: { limit, period: 60 } })
    // Counts live in fixed windows: a window may end between two requests, so the
    // refusal comes after `limit` successes in one window, at most 2 × limit + 1 requests in.
    let ok = 0
    let refused: Response | undefined
    for (let i = 0; i < 2 * limit + 1 && refused === undefined; i++) {
      const res = await fetch(`${limited.url}/api/tools`)
      if (res.status === 429) refused = res
      else {
        expect(res.status).toBe(200)
        await res.body?.cancel()
        ok++
      }
    }
    expect(refused).toBeDefined()
    expect(ok).toBeGreaterThanOrEqual(limit)
    expect(refused?.headers.get('retry-after')).toBe('60')
    expect((await (refused as Response).json()).error.code).toBe('QUOTA_EXCEEDED')
  }, 60_000)

  it('a relay refuses edge headers without the right secret, and an edge with a wrong one', async () => {
    const forged = await post(relays[0]!.url, INITIALIZE, { 'mcpp-edge-identity': 'operator' })
    expect(forged.status).toBe(401)
    expect(JSON.stringify(await forged.json())).toContain('edge secret')
    const wrong = await edgeWith({ secret: 'w'.repeat(40) })
    const res = await post(wrong.url, INITIALIZE)
    expect(res.status).toBe(401)
    expect(JSON.stringify(await res.json())).toContain('edge secret')
    // A relay that was given no edge secret takes no edge-forwarded request at all.
    const closed = await startTestRelay({ disableP2p: true })
    try {
      const refused = await post(closed.url, INITIALIZE, { 'mcpp-edge-secret': SECRET })
      expect(refused.status).toBe(403)
      expect(JSON.stringify(await refused.json())).toContain('--edge-secret')
    } finally {
      await closed.close()
    }
  }, 60_000)

  it('takes the relay list from KV, and moves a new session past a relay that cannot take it', async () => {
    // A "relay" that says it is idle (so it is tried first) but drops every MCP request unanswered.
    let dropped = 0
    const broken = createServer((req, res) => {
      if (req.url === '/api/capacity') {
        res.setHeader('content-type', 'application/json')
        res.end(
          JSON.stringify({ sessions: 0, calls: 0, workers: 0, freeSlots: 999, queued: 0, stopping: false }),
        )
        return
      }
      dropped++
      req.socket.destroy()
    })
    await new Promise<void>((done) => broken.listen(0, '127.0.0.1', done))
    const brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`
    try {
      // RELAYS names only a dead address: what works comes from KV.
      const fromKv = await edgeWith({ relays: ['http://127.0.0.1:9'], kvRelays: [brokenUrl, relays[0]!.url] })
      const c = await client(fromKv.url)
      expect(dropped).toBe(1)
      expect(sessionOf(c).startsWith(`${relayKeyOf(relays[0]!.url)}.`)).toBe(true)
      expect(await dispatchTool(c, 'system_echo', { message: 'via kv' })).toMatchObject({ message: 'via kv' })
    } finally {
      broken.closeAllConnections()
      await new Promise((done) => broken.close(done))
    }
  }, 60_000)

  it('says what is wrong when it is misconfigured', async () => {
    const broken = await edgeWith({ secret: undefined })
    const res = await fetch(`${broken.url}/mcp`, { method: 'POST', body: '{}' })
    expect(res.status).toBe(503)
    expect(JSON.stringify(await res.json())).toContain('MCPP_EDGE_SECRET')
  }, 60_000)
})

describe('a relay dies', () => {
  it('ends its sessions with a clear error; a new session lands on the other relay, and nothing runs twice', async () => {
    const before = await client(edge.url)
    const dead = relayOfSession(before) as RelayProcess
    const alive = relays.find((r) => r !== dead) as RelayProcess
    const echoesBefore = (await audited(alive, { tool: 'system_echo' })).length
    dead.child.kill('SIGKILL')
    await exited(dead.child)

    const lost = await before
      .callTool({ name: 'tools_dispatch', arguments: { tool: 'system_echo', params: { message: 'lost' } } })
      .then(
        () => 'answered',
        (err: Error) => err.message,
      )
    expect(lost).toMatch(/stopped answering.*initialize again/s)

    const after = await client(edge.url)
    expect(relayOfSession(after)).toBe(alive)
    expect(await dispatchTool(after, 'system_echo', { message: 'once' })).toMatchObject({ message: 'once' })
    const relaySession = sessionOf(after).slice(sessionOf(after).indexOf('.') + 1)
    expect(await audited(alive, { tool: 'system_echo', sessionId: relaySession })).toHaveLength(1)
    // The call made in the dead relay's session was not moved to the live one: one echo more, not two.
    expect(await audited(alive, { tool: 'system_echo' })).toHaveLength(echoesBefore + 1)
  }, 60_000)
})
