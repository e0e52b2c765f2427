import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type ChildServer, startChildServer } from '../child-server.ts'
import type { BenchContext, BenchSection } from '../context.ts'
import { connect, drive, type LoadResult, type ToolCall } from '../load.ts'
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

const ROUNDS = 2
const WARMUP_MS = 1500

type Measured = LoadResult & { serverCpuUsPerCall: number }
async function load(server: ChildServer, call: ToolCall, concurrency: number, ctx: BenchContext) {
  const client = await connect(server.endpoint)
  try {
    let cpuBefore = 0
    const result = await drive(client, call, concurrency, ctx.seconds * 1000, WARMUP_MS, () => {
      cpuBefore = server.cpuMs()
    })
    return { ...result, serverCpuUsPerCall: ((server.cpuMs() - cpuBefore) * 1000) / result.calls }
  } finally {
    await client.close()
  }
}

/**
 * Alternates relay and bare rounds so that drift on a shared machine hits both, and
 * keeps each side's best round (the one least disturbed by other processes).
 */
async function compare(relay: ChildServer, bare: ChildServer, concurrency: number, ctx: BenchContext) {
  let best: { relay?: Measured; bare?: Measured } = {}
  for (let round = 1; round <= ROUNDS; round++) {
    ctx.progress(`relay: concurrency ${concurrency}, round ${round} of ${ROUNDS}, ${ctx.seconds} s each side`)
    const r = await load(relay, RELAY_CALL, concurrency, ctx)
    const b = await load(bare, BARE_CALL, concurrency, ctx)
    best = {
      relay: best.relay && best.relay.callsPerSecond >= r.callsPerSecond ? best.relay : r,
      bare: best.bare && best.bare.callsPerSecond >= b.callsPerSecond ? best.bare : b,
    }
  }
  return { relay: best.relay as Measured, bare: best.bare as Measured }
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
 * The relay (compiled, as `npm start` runs it) against a bare SDK server, both in child
 * processes, driven over HTTP by the SDK client at concurrency 1 and 32.
 */
export const relayHttp: BenchSection = {
  name: 'relay',
  async run(ctx) {
    ctx.progress('relay: starting the relay (dist) and the bare SDK server')
    const relay = await startRelayChild()
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
        const measured = await compare(relay, bare, concurrency, ctx)
        rows.push(...loadRows(concurrency, measured.relay, measured.bare))
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
