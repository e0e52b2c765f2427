import type { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { relayKeyOf } from '../../../shared/edge/session-route.ts'
import { startEdge } from '../../fixtures/edge.ts'
import { startWorkerdEdge } from '../../fixtures/workerd-edge.ts'
import type { BenchContext, BenchSection } from '../context.ts'
import { connect, drive, percentile, type ToolCall } from '../load.ts'
import { type RelayChild, startRelayChild } from '../relay-child.ts'

const SECRET = 'bench-edge-secret-0123456789abcdef01234'
const WARMUP_MS = 1000
const SLICE_MS = 500
const EDGE_TOOL: ToolCall = {
  name: 'tools_dispatch',
  arguments: { tool: 'text_hash', params: { text: 'hello, edge' } },
}
const RELAY_TOOL: ToolCall = {
  name: 'tools_dispatch',
  arguments: { tool: 'system_echo', params: { message: 'hello, edge' } },
}

interface Side {
  client: Client
  latencies: number[]
  elapsedMs: number
}

/** Through the edge and straight to the relay, at concurrency 1, in alternating slices (as relay-http.ts). */
async function compare(viaEdge: Client, direct: Client, call: ToolCall, ctx: BenchContext, label: string) {
  const sides: Side[] = [viaEdge, direct].map((client) => ({ client, latencies: [], elapsedMs: 0 }))
  for (const side of sides) await drive(side.client, call, 1, WARMUP_MS)
  const slices = Math.max(2, Math.round((ctx.seconds * 1000) / SLICE_MS))
  ctx.progress(`edge: ${label}, ${slices} slices of ${SLICE_MS} ms each side`)
  for (let slice = 0; slice < slices; slice++) {
    for (const side of slice % 2 === 0 ? sides : [...sides].reverse()) {
      const run = await drive(side.client, call, 1, SLICE_MS)
      side.elapsedMs += run.elapsedMs
      side.latencies.push(...run.latencies)
    }
  }
  return sides.map((side) => {
    const sorted = side.latencies.sort((a, b) => a - b)
    return { callsPerSecond: sorted.length / (side.elapsedMs / 1000), p50: percentile(sorted, 50) }
  }) as [{ callsPerSecond: number; p50: number }, { callsPerSecond: number; p50: number }]
}

const sessionOf = (client: Client) => (client.transport as StreamableHTTPClientTransport).sessionId ?? ''

/**
 * From kill -9 of the relay that holds a client's session to that client's first
 * successful call through the edge: the call in the lost session fails, the client
 * starts a new session (which the edge places on the live relay) and calls again.
 */
async function failover(edgeUrl: string, relays: RelayChild[]): Promise<number> {
  let client = await connect(new URL('/mcp', edgeUrl))
  await client.callTool(RELAY_TOOL)
  const home = relays.find((r) => sessionOf(client).startsWith(`${relayKeyOf(r.base)}.`))
  if (home === undefined) throw new Error(`session ${sessionOf(client)} names no relay`)
  process.kill(home.pid, 'SIGKILL')
  const killed = performance.now()
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      const result = await client.callTool(RELAY_TOOL)
      if (!result.isError) {
        await client.close()
        return performance.now() - killed
      }
    } catch {
      await client.close().catch(() => {})
      client = await connect(new URL('/mcp', edgeUrl)).catch(() => client)
    }
  }
  throw new Error('no call succeeded through the edge after the relay died')
}

/**
 * Issue 14: the edge Worker in front of two relays (compiled, as `npm start` runs
 * them): an edge-runtime tool and a relay tool through it, each next to the same call
 * made to the relay directly, and the failover time when a relay dies. The Worker runs
 * in a bare workerd (the runtime Cloudflare runs, bundled as `wrangler deploy` bundles
 * it); the same relay call through `wrangler dev` (`npm run edge`) is shown apart,
 * because its local proxy adds its own ~10 ms to every request.
 */
export const edgeBench: BenchSection = {
  name: 'edge',
  async run(ctx) {
    ctx.progress('edge: starting two relays and the edge Worker')
    const args = ['--edge-secret', SECRET, '--calls-per-second', '0', '--calls-per-second-global', '0']
    const relays = await Promise.all([startRelayChild(args), startRelayChild(args)])
    const edge = await startWorkerdEdge({ relays: relays.map((r) => r.base), secret: SECRET })
    const dev = await startEdge({ relays: relays.map((r) => r.base), secret: SECRET })
    const clients: Client[] = []
    try {
      const viaEdge = await connect(new URL('/mcp', edge.url))
      clients.push(viaEdge)
      const home = relays.find((r) => sessionOf(viaEdge).startsWith(`${relayKeyOf(r.base)}.`)) as RelayChild
      const direct = await connect(new URL('/mcp', home.base))
      clients.push(direct)
      const [edgeTool, edgeToolDirect] = await compare(
        viaEdge,
        direct,
        EDGE_TOOL,
        ctx,
        'text_hash (edge tool)',
      )
      const [relayTool, relayToolDirect] = await compare(
        viaEdge,
        direct,
        RELAY_TOOL,
        ctx,
        'system_echo (relay tool)',
      )
      const viaDev = await connect(new URL('/mcp', dev.url))
      clients.push(viaDev)
      const devHome = relays.find((r) => sessionOf(viaDev).startsWith(`${relayKeyOf(r.base)}.`)) as RelayChild
      const devDirect = await connect(new URL('/mcp', devHome.base))
      clients.push(devDirect)
      const [devTool, devToolDirect] = await compare(
        viaDev,
        devDirect,
        RELAY_TOOL,
        ctx,
        'system_echo via wrangler dev',
      )
      ctx.progress('edge: failover (kill -9 of the session relay)')
      const failoverMs = await failover(edge.url, relays)
      const section = 'edge c=1'
      return [
        {
          section,
          metric: 'edge tool (text_hash) at the edge vs on a relay: calls/s',
          value: edgeTool.callsPerSecond,
          baseline: edgeToolDirect.callsPerSecond,
          unit: 'calls/s',
        },
        {
          section,
          metric: 'edge tool (text_hash) at the edge vs on a relay: p50',
          value: edgeTool.p50,
          baseline: edgeToolDirect.p50,
          unit: 'ms',
        },
        {
          section,
          metric: 'relay tool (system_echo) through the edge vs direct: calls/s',
          value: relayTool.callsPerSecond,
          baseline: relayToolDirect.callsPerSecond,
          unit: 'calls/s',
        },
        {
          section,
          metric: 'relay tool (system_echo) through the edge vs direct: p50',
          value: relayTool.p50,
          baseline: relayToolDirect.p50,
          unit: 'ms',
        },
        {
          section,
          metric: 'p50 the edge adds to a relay tool',
          value: relayTool.p50 - relayToolDirect.p50,
          unit: 'ms',
          target: { kind: 'max', of: 'value', limit: 1 },
        },
        {
          section: 'edge (wrangler dev)',
          metric: 'relay tool through `npm run edge` vs direct: p50 (dev proxy included)',
          value: devTool.p50,
          baseline: devToolDirect.p50,
          unit: 'ms',
        },
        {
          section: 'edge failover',
          metric: 'relay killed → first successful call through the edge',
          value: failoverMs,
          unit: 'ms',
          target: { kind: 'max', of: 'value', limit: 2000 },
        },
      ]
    } finally {
      await Promise.allSettled(clients.map((c) => c.close()))
      await Promise.allSettled([edge.stop(), dev.stop()])
      await Promise.allSettled(relays.map((r) => r.stop()))
    }
  },
}
