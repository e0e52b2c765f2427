import type { Client } from '@modelcontextprotocol/client'
import type { BenchContext, BenchSection } from '../context.ts'
import { connect, percentile } from '../load.ts'
import type { Row } from '../table.ts'
import { type ForwardingPair, relayStatus, startForwardingPair } from './forwarding-pair.ts'
import { forwardedTimes, submitEcho } from './forwarding-tasks.ts'

/** Worker slots, as one p2p-section tab. */
const WORKER_CONCURRENCY = 8
const LATENCY_CALLS = 300
/** Same-relay and cross-relay calls take turns in slices of this many, so slow spells hit both. */
const SLICE = 25
const WARM_UP = 30
const LOAD_CONCURRENCY = 8
const section = 'forwarding'

/** Where the MCP client is: A, the worker's relay, or B, which can only forward to A. */
interface Side {
  client: Client
  label: 'same' | 'cross'
  /** Task ids the client got back, per tag. */
  ids: Map<string, string[]>
}

const sorted = (list: number[]) => list.sort((x, y) => x - y)

async function submit(pair: ForwardingPair, side: Side, input: number, tag: string): Promise<void> {
  const id = await submitEcho(side.client, pair.workerPeerId, input, tag)
  const ids = side.ids.get(tag) ?? []
  side.ids.set(tag, ids)
  ids.push(id)
}

/** Sequential submit→result latencies (ms, sorted), same- and cross-relay slices in turn. */
async function latencies(
  ctx: BenchContext,
  pair: ForwardingPair,
  sides: readonly Side[],
): Promise<number[][]> {
  for (const side of sides) {
    for (let i = 0; i < WARM_UP; i++) await submit(pair, side, i, `warm-${side.label}`)
  }
  ctx.progress(
    `forwarding: ${LATENCY_CALLS} sequential submit→result calls each, same- and cross-relay in turn`,
  )
  const out = sides.map(() => [] as number[])
  for (let done = 0; done < LATENCY_CALLS; done += SLICE) {
    for (const [s, side] of sides.entries()) {
      for (let i = 0; i < SLICE; i++) {
        const started = performance.now()
        await submit(pair, side, done + i, `seq-${side.label}`)
        out[s]?.push(performance.now() - started)
      }
    }
  }
  return out.map(sorted)
}

interface Load {
  tasksPerSecond: number
  /** CPU time of both relay processes per task, µs (/proc/<pid>/stat). */
  cpuUsPerTask: number
}

/**
 * Echo tasks, LOAD_CONCURRENCY at a time, started for `seconds`, with both relays' CPU
 * over the run (until the last one answered): a relay's idle work in that time counts too.
 */
async function load(pair: ForwardingPair, side: Side, seconds: number): Promise<Load> {
  const cpu = () => pair.a.cpuMs() + pair.b.cpuMs()
  let count = 0
  const cpuBefore = cpu()
  const started = performance.now()
  const end = started + seconds * 1000
  await Promise.all(
    Array.from({ length: LOAD_CONCURRENCY }, async () => {
      while (performance.now() < end) await submit(pair, side, count++, `load-${side.label}`)
    }),
  )
  const elapsedMs = performance.now() - started
  const cpuMs = cpu() - cpuBefore
  return { tasksPerSecond: count / (elapsedMs / 1000), cpuUsPerTask: (cpuMs * 1000) / count }
}

async function measure(ctx: BenchContext, pair: ForwardingPair, same: Side, cross: Side): Promise<Row[]> {
  const [sameSeq, crossSeq] = (await latencies(ctx, pair, [same, cross])) as [number[], number[]]
  ctx.progress(
    `forwarding: tasks at concurrency ${LOAD_CONCURRENCY} for ${ctx.seconds} s, same-relay, then cross-relay`,
  )
  const sameLoad = await load(pair, same, ctx.seconds)
  const crossLoad = await load(pair, cross, ctx.seconds)
  ctx.progress('forwarding: checking in A’s queue that every task of B’s ran there, forwarded')
  const hops = await forwardedTimes(
    same.client,
    cross.client,
    pair.bPeerId,
    'seq-cross',
    cross.ids.get('seq-cross') ?? [],
  )
  await forwardedTimes(
    same.client,
    cross.client,
    pair.bPeerId,
    'load-cross',
    cross.ids.get('load-cross') ?? [],
  )
  if ((await relayStatus(pair.b)).workers.length !== 0)
    throw new Error('B has a worker: nothing need be forwarded')
  const offerMs = sorted(hops.map((h) => h.a.createdAt - h.b.createdAt))
  const resultMs = sorted(hops.map((h) => h.b.finishedAt - h.a.finishedAt))
  const p50 = (list: number[]) => percentile(list, 50)
  const p99 = (list: number[]) => percentile(list, 99)
  return [
    {
      section,
      metric: 'submit→result via MCP, client on B, worker on A (p50)',
      value: p50(crossSeq),
      baseline: p50(sameSeq),
      unit: 'ms',
    },
    {
      section,
      metric: 'submit→result via MCP, client on B, worker on A (p99)',
      value: p99(crossSeq),
      baseline: p99(sameSeq),
      unit: 'ms',
    },
    {
      section,
      metric: '  what cross-relay adds to same-relay (p50)',
      value: p50(crossSeq) - p50(sameSeq),
      unit: 'ms',
      target: { kind: 'max', of: 'value', limit: 2 },
    },
    {
      section,
      metric: '  offer: created on B → accepted on A (relay clocks, p50)',
      value: p50(offerMs),
      unit: 'ms',
    },
    {
      section,
      metric: '  result: finished on A → finished on B (relay clocks, p50)',
      value: p50(resultMs),
      unit: 'ms',
    },
    {
      section,
      metric: `echo tasks/s via MCP, client on B (c=${LOAD_CONCURRENCY})`,
      value: crossLoad.tasksPerSecond,
      baseline: sameLoad.tasksPerSecond,
      unit: 'tasks/s',
    },
    {
      section,
      metric: `relay CPU (A+B) per forwarded task (c=${LOAD_CONCURRENCY})`,
      value: crossLoad.cpuUsPerTask,
      baseline: sameLoad.cpuUsPerTask,
      unit: 'µs',
    },
  ]
}

/**
 * Cross-relay tasks (issue 11, "Performance"): member relays A and B, each its own
 * process as `npm start` runs it, so the MCP clients in this process do not share
 * their event loops; the Node worker (`npm run worker`, its own process) on A. An echo
 * task submitted to B, which has no worker, is handed to A over `/mcpp/forward/2.0.0`
 * and its result comes back the same way. The baseline column is the same call made
 * to A by a client there. Every cross-relay task is looked up in A's queue as one
 * accepted from B, or the section fails.
 */
export const forwardingBench: BenchSection = {
  name: 'forwarding',
  async run(ctx) {
    ctx.progress('forwarding: relays A and B, the Node worker on A')
    const pair = await startForwardingPair(WORKER_CONCURRENCY)
    const clients: Client[] = []
    try {
      clients.push(await connect(pair.a.endpoint), await connect(pair.b.endpoint))
      const [onA, onB] = clients as [Client, Client]
      const same: Side = { client: onA, label: 'same', ids: new Map() }
      const cross: Side = { client: onB, label: 'cross', ids: new Map() }
      return await measure(ctx, pair, same, cross)
    } finally {
      await Promise.allSettled(clients.map((c) => c.close()))
      await pair.stop()
    }
  },
}
