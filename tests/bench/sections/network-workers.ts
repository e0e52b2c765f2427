import type { Client } from '@modelcontextprotocol/client'
import { resolveRelay } from '../../../worker/core/relay-address.ts'
import type { BenchContext } from '../context.ts'
import { connect, percentile } from '../load.ts'
import { type RelayChild, startRelayChild } from '../relay-child.ts'
import { type Swarm, startSwarm } from '../swarm.ts'
import type { Row } from '../table.ts'

const MB = 1024 * 1024
const WORKERS = 1_000
/** Workers per child process: ~0.6 MB of RSS and ~45 ms of CPU each to start (libp2p node, noise, identify). */
const PER_PROCESS = 250
const IDLE_SECONDS = 10
const SEQUENTIAL = 200
const section = 'network'

async function dispatch(client: Client, tool: string, params: Record<string, unknown>): Promise<any> {
  const result = await client.callTool(
    { name: 'tools_dispatch', arguments: { tool, params } },
    {
      timeout: 120_000,
    },
  )
  if (result.isError) throw new Error(`${tool}: ${JSON.stringify(result.content)}`)
  return (result.structuredContent as any).result
}

/** Relay-clock times of every task with `tag`: created → started (leased) and created → finished. */
async function relayTimes(client: Client, tag: string): Promise<{ started: number[]; finished: number[] }> {
  const started: number[] = []
  const finished: number[] = []
  for (let offset = 0; ; offset += 500) {
    const { tasks, total } = await dispatch(client, 'p2p_taskqueue_list_tasks', { tag, limit: 500, offset })
    for (const t of tasks) {
      if (t.state !== 'succeeded') throw new Error(`task ${t.id} is ${t.state}`)
      started.push(t.startedAt - t.createdAt)
      finished.push(t.finishedAt - t.createdAt)
    }
    if (offset + 500 >= total) break
  }
  return { started: started.sort((a, b) => a - b), finished: finished.sort((a, b) => a - b) }
}

/** Submit→result through MCP, one echo task at a time, timed by the client. */
async function sequential(client: Client, count: number, tag: string): Promise<number[]> {
  const latencies: number[] = []
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    const out = await dispatch(client, 'p2p_taskqueue_submit', {
      kind: 'echo',
      input: i,
      tags: [tag],
      wait: true,
    })
    if (out.results[0].state !== 'succeeded')
      throw new Error(`task failed: ${JSON.stringify(out.results[0])}`)
    latencies.push(performance.now() - started)
  }
  return latencies.sort((a, b) => a - b)
}

/** One batch of `count` echo tasks with wait; returns the client's submit→all-results time. */
async function batch(client: Client, count: number, tag: string): Promise<number> {
  const started = performance.now()
  const tasks = Array.from({ length: count }, (_, i) => ({ kind: 'echo', input: i, tags: [tag] }))
  const out = await dispatch(client, 'p2p_taskqueue_submit', { tasks, wait: true })
  if (out.timedOut || out.results.some((r: any) => r.state !== 'succeeded')) throw new Error('a batch failed')
  return performance.now() - started
}

async function connectedWorkers(relay: RelayChild): Promise<number> {
  const status = (await (await fetch(`${relay.base}/api/status`)).json()) as { workers: unknown[] }
  return status.workers.length
}

/** Relay CPU over `seconds`, as a percentage of one core (utime + stime from /proc). */
async function idleCpu(relay: RelayChild, seconds: number): Promise<number> {
  const before = relay.cpuMs()
  const started = performance.now()
  await new Promise((r) => setTimeout(r, seconds * 1000))
  return ((relay.cpuMs() - before) / (performance.now() - started)) * 100
}

interface Figures {
  rss: number
  cpu: number
  seq: number[]
  seqRelay: { started: number[]; finished: number[] }
}

async function figures(
  ctx: BenchContext,
  relay: RelayChild,
  client: Client,
  label: string,
): Promise<Figures> {
  const idleSeconds = label === '1' ? IDLE_SECONDS / 2 : IDLE_SECONDS
  ctx.progress(`network: relay CPU over ${idleSeconds} s with ${label} idle worker(s)`)
  const rss = relay.rss() / MB
  const cpu = await idleCpu(relay, idleSeconds)
  ctx.progress(`network: ${SEQUENTIAL} sequential submit→result calls, ${label} worker(s)`)
  await sequential(client, 20, `warm-${label}`)
  const seq = await sequential(client, SEQUENTIAL, `seq-${label}`)
  return { rss, cpu, seq, seqRelay: await relayTimes(client, `seq-${label}`) }
}

/** Starts `total` workers in processes of PER_PROCESS, each process dialling from its own loopback address. */
async function swarms(ctx: BenchContext, address: string, total: number): Promise<Swarm[]> {
  const counts = new Map<number, number>()
  const started: Swarm[] = []
  for (let i = 0; i * PER_PROCESS < total; i++) {
    const count = Math.min(PER_PROCESS, total - i * PER_PROCESS)
    started.push(
      startSwarm(address, count, `127.0.0.${i + 2}`, (n) => {
        counts.set(i, n)
        const sum = [...counts.values()].reduce((a, b) => a + b, 0)
        if (sum % 250 === 0) ctx.progress(`network: ${sum} workers connected`)
      }),
    )
  }
  try {
    await Promise.all(started.map((s) => s.ready))
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()))
    throw err
  }
  return started
}

/**
 * Workers per relay (issue 11): the relay as `npm start` runs it, first with one worker
 * (the baseline), then with 1,000, each a libp2p node with its own connection, from
 * four child processes (worker-swarm.ts). Relay RSS and idle CPU come from /proc; the
 * assignment latency is timed by the MCP client and, per task, by the relay's own
 * clock (created → leased to a worker, created → finished).
 */
export async function workersPerRelay(ctx: BenchContext): Promise<Row[]> {
  const relay = await startRelayChild()
  const client = await connect(relay.endpoint)
  let running: Swarm[] = []
  try {
    const address = await resolveRelay(relay.base)
    ctx.progress('network: 1 worker (baseline)')
    running = await swarms(ctx, address, 1)
    const one = await figures(ctx, relay, client, '1')
    await Promise.all(running.map((s) => s.stop()))
    ctx.progress(`network: connecting ${WORKERS} workers, ${PER_PROCESS} per process`)
    const connectStarted = performance.now()
    running = await swarms(ctx, address, WORKERS)
    const connectSeconds = (performance.now() - connectStarted) / 1000
    const listed = await connectedWorkers(relay)
    const many = await figures(ctx, relay, client, String(WORKERS))
    ctx.progress(`network: one batch of ${WORKERS} tasks over ${WORKERS} workers`)
    const batchMs = await batch(client, WORKERS, 'batch')
    const batchRelay = await relayTimes(client, 'batch')
    const dropped = running.reduce((sum, s) => sum + s.gone(), 0)
    const stillListed = await connectedWorkers(relay)
    const w = `${WORKERS.toLocaleString('en-US')} workers`
    return [
      { section, metric: `time to connect ${w} (4 processes)`, value: connectSeconds, unit: 's' },
      {
        section,
        metric: `workers the relay lists once all ${WORKERS} were welcomed`,
        value: listed,
        unit: 'workers',
        target: { kind: 'min', of: 'value', limit: WORKERS },
      },
      {
        section,
        metric: 'workers the relay lists after the runs below',
        value: stillListed,
        unit: 'workers',
        target: { kind: 'min', of: 'value', limit: WORKERS },
      },
      { section, metric: 'worker task streams closed by the relay', value: dropped, unit: 'workers' },
      {
        section,
        metric: `relay RSS, ${w} connected`,
        value: many.rss,
        baseline: one.rss,
        unit: 'MB',
        target: { kind: 'max', of: 'value', limit: 400 },
      },
      {
        section,
        metric: `relay idle CPU, ${w} connected`,
        value: many.cpu,
        baseline: one.cpu,
        unit: '% core',
        target: { kind: 'max', of: 'value', limit: 5 },
      },
      ...latencyRows(`${w}`, many, one),
      {
        section,
        metric: `batch of ${WORKERS} tasks over ${w}: submit→all results via MCP`,
        value: batchMs,
        unit: 'ms',
      },
      {
        section,
        metric: `  same batch, submit→leased (relay clock, p50)`,
        value: percentile(batchRelay.started, 50),
        unit: 'ms',
      },
      {
        section,
        metric: `  same batch, submit→leased (relay clock, p99)`,
        value: percentile(batchRelay.started, 99),
        unit: 'ms',
      },
      {
        section,
        metric: `  same batch, submit→finished (relay clock, p99)`,
        value: percentile(batchRelay.finished, 99),
        unit: 'ms',
      },
    ]
  } finally {
    await Promise.all(running.map((s) => s.stop()))
    await client.close()
    await relay.stop()
  }
}

function latencyRows(w: string, many: Figures, one: Figures): Row[] {
  const row = (metric: string, value: number, baseline: number): Row => ({
    section,
    metric,
    value,
    baseline,
    unit: 'ms',
  })
  return [
    row(`submit→result via MCP, ${w} (p50)`, percentile(many.seq, 50), percentile(one.seq, 50)),
    row(`submit→result via MCP, ${w} (p99)`, percentile(many.seq, 99), percentile(one.seq, 99)),
    row(
      `submit→leased, relay clock, ${w} (p50)`,
      percentile(many.seqRelay.started, 50),
      percentile(one.seqRelay.started, 50),
    ),
    row(
      `submit→leased, relay clock, ${w} (p99)`,
      percentile(many.seqRelay.started, 99),
      percentile(one.seqRelay.started, 99),
    ),
  ]
}
