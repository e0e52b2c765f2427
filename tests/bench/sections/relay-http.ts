import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Client } from '@modelcontextprotocol/client'
import { type ChildServer, startChildServer } from '../child-server.ts'
import type { BenchContext, BenchSection } from '../context.ts'
import { connect, drive, percentile, type ToolCall } from '../load.ts'
import { startRelayChild } from '../relay-child.ts'
import type { Row } from '../table.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const MB = 1024 * 1024
const MESSAGE = 'hello, relay'

const RELAY_CALL: ToolCall = {
  name: 'tools_dispatch',
  arguments: { tool: 'system_echo', params: { message: MESSAGE } },
}
const BARE_CALL: ToolCall = { name: 'echo', arguments: { message: MESSAGE } }

/**
 * Right after start-up a Node process still holds the garbage of loading its modules;
 * V8's memory reducer returns it once the process has been idle for several seconds.
 * The lowest RSS seen over this idle window is the footprint of an idle relay.
 */
const IDLE_MS = 12_000

async function idleRss(servers: ChildServer[]): Promise<number[]> {
  const low = servers.map((s) => s.rss())
  const end = performance.now() + IDLE_MS
  while (performance.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 500))
    servers.forEach((s, i) => {
      low[i] = Math.min(low[i] as number, s.rss())
    })
  }
  return low
}

const WARMUP_MS = 1500
const SLICE_MS = 500

interface Measured {
  callsPerSecond: number
  p50Ms: number
  p99Ms: number
  serverCpuUsPerCall: number
}

interface Side {
  server: ChildServer
  call: ToolCall
  client: Client
  latencies: number[]
  elapsedMs: number
  cpuMs: number
}

/**
 * Relay and bare server under the same load, in alternating slices of SLICE_MS after
 * one warm-up each. This machine has slow and fast spells lasting seconds; when each
 * side ran 3 s in a block, one spell could fall on one side only and the c=1 ratio
 * moved between 0.6 and 1.1 from run to run. Interleaved, both sides see them alike.
 */
interface Contender {
  server: ChildServer
  call: ToolCall
  era?: 'legacy' | 'modern'
}

async function compare(first: Contender, second: Contender, concurrency: number, ctx: BenchContext) {
  const open = async ({ server, call, era }: Contender): Promise<Side> => ({
    server,
    call,
    client: await connect(server.endpoint, era),
    latencies: [],
    elapsedMs: 0,
    cpuMs: 0,
  })
  const sides = [await open(first), await open(second)]
  try {
    ctx.progress(`relay: concurrency ${concurrency}, warm-up`)
    for (const side of sides) await drive(side.client, side.call, concurrency, WARMUP_MS)
    const slices = Math.max(2, Math.round((ctx.seconds * 1000) / SLICE_MS))
    ctx.progress(
      `relay: concurrency ${concurrency}, ${slices} slices of ${SLICE_MS} ms each side, alternating`,
    )
    for (let slice = 0; slice < slices; slice++) {
      for (const side of slice % 2 === 0 ? sides : [...sides].reverse()) {
        const cpuBefore = side.server.cpuMs()
        const run = await drive(side.client, side.call, concurrency, SLICE_MS)
        side.cpuMs += side.server.cpuMs() - cpuBefore
        side.elapsedMs += run.elapsedMs
        side.latencies.push(...run.latencies)
      }
    }
    return sides.map(summarise) as [Measured, Measured]
  } finally {
    await Promise.all(sides.map((side) => side.client.close()))
  }
}

function summarise(side: Side): Measured {
  const sorted = side.latencies.sort((a, b) => a - b)
  return {
    callsPerSecond: sorted.length / (side.elapsedMs / 1000),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    serverCpuUsPerCall: (side.cpuMs * 1000) / sorted.length,
  }
}

function loadRows(concurrency: number, relay: Measured, bare: Measured): Row[] {
  const section = `mcp c=${concurrency}`
  return [
    {
      section,
      metric: 'calls/s (dispatch system_echo vs bare SDK echo)',
      value: relay.callsPerSecond,
      baseline: bare.callsPerSecond,
      unit: 'calls/s',
      target: { kind: 'min', of: 'ratio', limit: 0.9 },
    },
    { section, metric: 'p50 latency', value: relay.p50Ms, baseline: bare.p50Ms, unit: 'ms' },
    { section, metric: 'p99 latency', value: relay.p99Ms, baseline: bare.p99Ms, unit: 'ms' },
    {
      section,
      metric: 'server CPU per call',
      value: relay.serverCpuUsPerCall,
      baseline: bare.serverCpuUsPerCall,
      unit: 'µs',
    },
  ]
}

/**
 * One relay, two clients: a stateless 2026-07-28 request builds its server per request
 * (the SDK's createMcpHandler), a 2025-11-25 session reuses the one it opened.
 */
function eraRows(concurrency: number, modern: Measured, legacy: Measured): Row[] {
  const section = `eras c=${concurrency}`
  return [
    {
      section,
      metric: 'calls/s, 2026-07-28 stateless vs 2025-11-25 session',
      value: modern.callsPerSecond,
      baseline: legacy.callsPerSecond,
      unit: 'calls/s',
    },
    { section, metric: 'p50 latency', value: modern.p50Ms, baseline: legacy.p50Ms, unit: 'ms' },
    {
      section,
      metric: 'relay CPU per call',
      value: modern.serverCpuUsPerCall,
      baseline: legacy.serverCpuUsPerCall,
      unit: 'µs',
    },
  ]
}

/**
 * The relay (compiled, as `npm start` runs it) against a bare SDK server, both in child
 * processes, driven over HTTP by the SDK client at concurrency 1 and 32.
 */
export const relayHttp: BenchSection = {
  name: 'relay',
  async run(ctx) {
    ctx.progress('relay: starting the relay (dist) and the bare SDK server')
    // Capacity, not policy, is measured: the per-caller call rate (1,000/s by default) is lifted.
    const relay = await startRelayChild(['--calls-per-second', '0', '--calls-per-second-global', '0'])
    const bare = await startChildServer([join(ROOT, 'tests/bench/bare-sdk-server.ts')], 'bare SDK server')
    try {
      const ready = { relay: relay.rss(), bare: bare.rss() }
      ctx.progress(`relay: idle ${IDLE_MS / 1000} s so that V8 returns start-up garbage`)
      const idle = await idleRss([relay, bare])
      const rows: Row[] = [
        {
          section: 'memory',
          metric: 'RSS when ready (start-up garbage still held)',
          value: ready.relay / MB,
          baseline: ready.bare / MB,
          unit: 'MB',
        },
        {
          section: 'memory',
          metric: `RSS after start-up, idle ${IDLE_MS / 1000} s`,
          value: (idle[0] as number) / MB,
          baseline: (idle[1] as number) / MB,
          unit: 'MB',
          target: { kind: 'max', of: 'value', limit: 120 },
        },
      ]
      for (const concurrency of [1, 32]) {
        const [ours, theirs] = await compare(
          { server: relay, call: RELAY_CALL },
          { server: bare, call: BARE_CALL },
          concurrency,
          ctx,
        )
        rows.push(...loadRows(concurrency, ours, theirs))
      }
      for (const concurrency of [1, 32]) {
        const [modern, legacy] = await compare(
          { server: relay, call: RELAY_CALL, era: 'modern' },
          { server: relay, call: RELAY_CALL },
          concurrency,
          ctx,
        )
        rows.push(...eraRows(concurrency, modern, legacy))
      }
      rows.push({
        section: 'memory',
        metric: 'RSS after the load runs',
        value: relay.rss() / MB,
        baseline: bare.rss() / MB,
        unit: 'MB',
      })
      return rows
    } finally {
      await Promise.all([relay.stop(), bare.stop()])
    }
  },
}
