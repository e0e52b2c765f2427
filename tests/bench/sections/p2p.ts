import type { Client } from '@modelcontextprotocol/client'
import type { BrowserContext, Page } from 'playwright-core'
import type { BenchContext, BenchSection } from '../context.ts'
import { type DetachedChromium, startDetachedChromium } from '../detached-chromium.ts'
import { connect, percentile } from '../load.ts'
import { type RelayChild, startRelayChild } from '../relay-child.ts'
import type { Row } from '../table.ts'
import { startWsPinger } from '../ws-echo-server.ts'

const MB = 1024 * 1024
const LATENCY_CALLS = 300
const TAB_CONCURRENCY = 8
const BATCH = 2_000
const BATCHES = 5
const PARKED = 100_000
const PARK_BATCH = 1_000

async function dispatch(client: Client, tool: string, params: Record<string, unknown>): Promise<any> {
  const result = await client.callTool(
    { name: 'tools_dispatch', arguments: { tool, params } },
    {
      timeout: 300_000,
    },
  )
  if (result.isError) throw new Error(`${tool}: ${JSON.stringify(result.content)}`)
  return (result.structuredContent as any).result
}

/** A task once it has finished, waiting again while a wait times out. */
async function finished(client: Client, taskId: string): Promise<{ state: string }> {
  for (;;) {
    const out = await dispatch(client, 'p2p_taskqueue_wait', { taskId })
    if (!out.timedOut) return out.task
  }
}

async function openTab(context: BrowserContext, relay: RelayChild, concurrency: number): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${relay.base}/contribute`)
  await page.fill('#concurrency', String(concurrency))
  await page.click('#toggle')
  await page.waitForSelector('#state[data-state="connected"]', { timeout: 30_000 })
  return page
}

/** Messages on the task protocol so far, both directions (from the relay's /metrics). */
async function protocolMessages(relay: RelayChild): Promise<number> {
  const text = await (await fetch(`${relay.base}/metrics`)).text()
  return text
    .split('\n')
    .filter((l) => l.startsWith('mcpp_task_protocol_messages_total{'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0)
}

/** Makes the page echo every message from the pinger back: the transport floor, timed by Node. */
function echoBack(page: Page, url: string): Promise<void> {
  return page.evaluate(
    (url) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(url)
        ws.binaryType = 'arraybuffer'
        ws.onmessage = (event) => ws.send(event.data)
        ws.onopen = () => resolve()
        ws.onerror = () => reject(new Error(`cannot open ${url}`))
        ;(globalThis as { echoSocket?: WebSocket }).echoSocket = ws
      }),
    url,
  )
}

async function submitLatencies(client: Client, count: number): Promise<number[]> {
  const latencies: number[] = []
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    const out = await dispatch(client, 'p2p_taskqueue_submit', { kind: 'echo', input: i, wait: true })
    if (out.results[0].state !== 'succeeded')
      throw new Error(`task failed: ${JSON.stringify(out.results[0])}`)
    latencies.push(performance.now() - started)
  }
  return latencies.sort((a, b) => a - b)
}

/** P2P tool calls (submit + wait of one echo task) per second at a fixed concurrency. */
async function callsPerSecond(client: Client, concurrency: number, seconds: number): Promise<number> {
  let calls = 0
  const end = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await dispatch(client, 'p2p_taskqueue_submit', { kind: 'echo', input: calls, wait: true })
        calls++
      }
    }),
  )
  return calls / ((performance.now() - started) / 1000)
}

/**
 * Tasks per second for BATCHES concurrent batch submissions that wait for their results,
 * with every answer checked as `trust` asks (any, quorum:K, spot-check:RATE).
 */
async function batchThroughput(client: Client, trust = 'any'): Promise<number> {
  const started = performance.now()
  await Promise.all(
    Array.from({ length: BATCHES }, async (_, b) => {
      const tasks = Array.from({ length: BATCH }, (_, i) => ({ kind: 'echo', input: b * BATCH + i, trust }))
      const out = await dispatch(client, 'p2p_taskqueue_submit', { tasks, wait: true })
      // One wait answers within 50 s (the tool's cap): wait again for what is left.
      const results = out.timedOut
        ? await Promise.all(
            out.results.map((r: any) => (r.state === 'succeeded' ? r : finished(client, r.id))),
          )
        : out.results
      if (results.some((r: any) => r.state !== 'succeeded')) throw new Error('a batch failed')
    }),
  )
  return (BATCH * BATCHES) / ((performance.now() - started) / 1000)
}

async function measure(
  ctx: BenchContext,
  relay: RelayChild,
  chromium: DetachedChromium,
  client: Client,
): Promise<Row[]> {
  const echo = await startWsPinger()
  try {
    ctx.progress('p2p: one Chromium tab; WebSocket echo baseline')
    await chromium.withSession(async (context) => {
      const first = await openTab(context, relay, TAB_CONCURRENCY)
      await echoBack(first, echo.url)
    })
    const rtts = (await echo.roundTrips(500)).slice(50).sort((a, b) => a - b)
    ctx.progress(`p2p: ${LATENCY_CALLS} sequential submit→result calls through MCP`)
    await submitLatencies(client, 30)
    const latency = await submitLatencies(client, LATENCY_CALLS)
    ctx.progress(`p2p: P2P tool calls/s through MCP at concurrency 32 for ${ctx.seconds} s`)
    await callsPerSecond(client, 32, 1)
    const calls = await callsPerSecond(client, 32, ctx.seconds)
    ctx.progress(`p2p: ${BATCHES} batches of ${BATCH} tasks, 1 tab`)
    const oneTab = await batchThroughput(client)
    ctx.progress('p2p: opening 3 more tabs')
    await chromium.withSession(async (context) => {
      for (let i = 0; i < 3; i++) await openTab(context, relay, TAB_CONCURRENCY)
    })
    ctx.progress(`p2p: ${BATCHES} batches of ${BATCH} tasks, 4 tabs (after one unmeasured round)`)
    await batchThroughput(client)
    const cpuBefore = relay.cpuMs()
    const messagesBefore = await protocolMessages(relay)
    const fourTabs = await batchThroughput(client)
    const relayCpuUsPerTask = ((relay.cpuMs() - cpuBefore) * 1000) / (BATCH * BATCHES)
    const messagesPerTask = ((await protocolMessages(relay)) - messagesBefore) / (BATCH * BATCHES)
    ctx.progress('p2p: the same batches, every answer by a quorum of 2 tabs')
    const quorum = await batchThroughput(client, 'quorum:2')
    ctx.progress('p2p: the same batches, 5% of answers recomputed on the relay')
    const spotCheck = await batchThroughput(client, 'spot-check:0.05')
    const rssBefore = relay.rss()
    ctx.progress(`p2p: parking ${PARKED.toLocaleString('en-US')} tasks no worker runs, for memory`)
    for (let n = 0; n < PARKED; n += PARK_BATCH) {
      const tasks = Array.from({ length: PARK_BATCH }, (_, i) => ({
        // No worker has this capability (an unknown kind would be refused: tasks.unknownKinds).
        kind: 'echo',
        requires: ['bench-parked'],
        input: { n: n + i },
      }))
      await dispatch(client, 'p2p_taskqueue_submit', { tasks })
    }
    const section = 'p2p'
    return [
      { section, metric: 'WebSocket echo RTT, page ↔ Node (p50)', value: percentile(rtts, 50), unit: 'ms' },
      {
        section,
        metric: 'submit→result via MCP, wait, 1 tab (p50)',
        value: percentile(latency, 50),
        baseline: percentile(rtts, 50),
        unit: 'ms',
        target: { kind: 'max', of: 'value', limit: 10 },
      },
      {
        section,
        metric: 'submit→result via MCP, wait, 1 tab (p99)',
        value: percentile(latency, 99),
        baseline: percentile(rtts, 99),
        unit: 'ms',
      },
      {
        section,
        metric: 'P2P tool calls/s via MCP (c=32, 1 tab)',
        value: calls,
        unit: 'calls/s',
        target: { kind: 'min', of: 'value', limit: 350 },
      },
      { section, metric: `batched tasks/s, 1 tab (${BATCHES}×${BATCH})`, value: oneTab, unit: 'tasks/s' },
      {
        section,
        metric: `batched tasks/s, 4 tabs (${BATCHES}×${BATCH})`,
        value: fourTabs,
        baseline: oneTab,
        unit: 'tasks/s',
        target: { kind: 'min', of: 'value', limit: 5000 },
      },
      {
        section,
        metric: `batched tasks/s, 4 tabs, trust quorum:2 (${BATCHES}×${BATCH})`,
        value: quorum,
        baseline: fourTabs,
        unit: 'tasks/s',
      },
      {
        section,
        metric: `batched tasks/s, 4 tabs, trust spot-check:0.05 (${BATCHES}×${BATCH})`,
        value: spotCheck,
        baseline: fourTabs,
        unit: 'tasks/s',
      },
      { section, metric: 'relay CPU per batched task, 4 tabs', value: relayCpuUsPerTask, unit: 'µs' },
      {
        section,
        metric: 'task-protocol messages per batched task, 4 tabs',
        value: messagesPerTask,
        unit: 'msgs',
      },
      { section, metric: 'relay RSS, 4 workers, after the runs above', value: rssBefore / MB, unit: 'MB' },
      {
        section,
        metric: 'relay RSS, 4 workers + 100,000 queued',
        value: relay.rss() / MB,
        unit: 'MB',
        target: { kind: 'max', of: 'value', limit: 200 },
      },
    ]
  } finally {
    await echo.close()
  }
}

/**
 * Browser tabs as workers: the relay (as `npm start` runs it) with headless Chromium
 * tabs on /contribute, driven over MCP; a raw WebSocket echo with the same page is the
 * transport floor. Playwright only opens the tabs and presses Start; it is detached
 * while anything is measured (see detached-chromium.ts).
 */
export const p2pBench: BenchSection = {
  name: 'p2p',
  async run(ctx) {
    // One client parks 100,000 tasks below: above the default allowance per identity.
    const relay = await startRelayChild([
      '--tasks-max-active-per-identity',
      String(PARKED + 2 * BATCH * BATCHES),
    ])
    const chromium = await startDetachedChromium()
    const client = await connect(relay.endpoint)
    try {
      return await measure(ctx, relay, chromium, client)
    } finally {
      await client.close()
      try {
        await chromium.close()
      } finally {
        await relay.stop()
      }
    }
  },
}
