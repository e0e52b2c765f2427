import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { BenchContext, BenchSection } from '../context.ts'
import { connect, percentile } from '../load.ts'
import { startNodeWorker } from '../node-worker.ts'
import { type RelayChild, startRelayChild } from '../relay-child.ts'
import type { Row } from '../table.ts'

const section = 'workflow'
const MB = 1024 * 1024
const STEPS = 1_000
const CONCURRENT = 10_000
const SUBMITTERS = 16
const STATUS_CALLS = 200

async function dispatch(client: Client, tool: string, params: Record<string, unknown>): Promise<any> {
  const result = await client.callTool({ name: 'tools_dispatch', arguments: { tool, params } }, undefined, {
    timeout: 600_000,
  })
  if (result.isError) throw new Error(`${tool}: ${JSON.stringify(result._meta ?? result.content)}`)
  return (result.structuredContent as any).result
}

/** Waits until the workflow ends (status waits return before a client's request timeout). */
async function ended(client: Client, workflowId: string): Promise<any> {
  for (;;) {
    const out = await dispatch(client, 'p2p_workflow_status', { workflowId, wait: true })
    if (!out.timedOut) {
      if (out.workflow.state !== 'succeeded') throw new Error(`workflow ${workflowId} ${out.workflow.state}`)
      return out
    }
  }
}

/** Submit→end of one workflow, timed by the client. */
async function timed(client: Client, steps: unknown[]): Promise<number> {
  const started = performance.now()
  const { workflow } = await dispatch(client, 'p2p_workflow_submit', { steps })
  await ended(client, workflow.id)
  return performance.now() - started
}

const echo = (id: string, input: unknown) => ({ id, type: 'task', kind: 'echo', input })
const chain = () =>
  Array.from({ length: STEPS }, (_, i) => echo(`s${i}`, i === 0 ? 0 : { $ref: `s${i - 1}` }))
const fanOut = () => Array.from({ length: STEPS }, (_, i) => echo(`s${i}`, i))
/** Three tool steps in a chain: they need no worker (used across the relay's restart). */
const small = (i: number) => [
  { id: 'a', type: 'tool', tool: 'text_hash', params: { text: `workflow ${i}` } },
  { id: 'b', type: 'tool', tool: 'text_hash', params: { text: { $ref: 'a', path: '$.digest' } } },
  { id: 'c', type: 'tool', tool: 'text_hash', params: { text: { $ref: 'b', path: '$.digest' } } },
]

/** The same STEPS echo tasks as one batch: the baseline of the scheduling overhead. */
async function batch(client: Client): Promise<number> {
  const started = performance.now()
  const tasks = Array.from({ length: STEPS }, (_, i) => ({ kind: 'echo', input: i }))
  const out = await dispatch(client, 'p2p_taskqueue_submit', { tasks, wait: true })
  if (out.timedOut || out.results.some((r: any) => r.state !== 'succeeded'))
    throw new Error('the batch failed')
  return performance.now() - started
}

/** Submits `count` small workflows from SUBMITTERS concurrent callers; returns their ids. */
async function submitMany(client: Client, count: number, from = 0): Promise<string[]> {
  const ids: string[] = []
  let next = from
  await Promise.all(
    Array.from({ length: SUBMITTERS }, async () => {
      while (next < from + count) {
        const i = next++
        ids.push((await dispatch(client, 'p2p_workflow_submit', { steps: small(i) })).workflow.id)
      }
    }),
  )
  return ids
}

async function statusLatencies(client: Client, ids: readonly string[]): Promise<number[]> {
  const latencies: number[] = []
  for (let i = 0; i < STATUS_CALLS; i++) {
    const started = performance.now()
    await dispatch(client, 'p2p_workflow_status', { workflowId: ids[(i * 7919) % ids.length] })
    latencies.push(performance.now() - started)
  }
  return latencies.sort((a, b) => a - b)
}

async function running(client: Client): Promise<number> {
  return (await dispatch(client, 'p2p_workflow_list', { state: 'running', limit: 1 })).total
}

/**
 * Issue 12's figures. Scheduling overhead: a 1,000-step chain and a 1,000-wide fan-out of
 * echo tasks on the Node worker, next to the same 1,000 tasks as one batch. Concurrent
 * workflows: 10,000 of three tool steps submitted through MCP, the relay's RSS and
 * `p2p_workflow_status` latency while they run. Crash recovery: the relay is killed
 * with kill -9 with workflows in flight and started again on its data directory; the
 * row is the time from the restart until the first of them ends.
 */
async function run(ctx: BenchContext): Promise<Row[]> {
  let relay: RelayChild = await startRelayChild()
  const worker = await startNodeWorker(relay, 8, 'bench-workflow')
  let client = await connect(relay.endpoint)
  try {
    ctx.progress('workflow: warm-up')
    await timed(client, fanOut().slice(0, 50))
    await batch(client)
    ctx.progress(`workflow: ${STEPS} tasks as one batch, a ${STEPS}-step chain, a ${STEPS}-wide fan-out`)
    const batchMs = await batch(client)
    const chainMs = await timed(client, chain())
    const fanMs = await timed(client, fanOut())

    ctx.progress(`workflow: ${CONCURRENT.toLocaleString('en-US')} workflows of 3 tool steps`)
    const rssBefore = relay.rss() / MB
    const submitStarted = performance.now()
    const ids = await submitMany(client, CONCURRENT)
    const submitSeconds = (performance.now() - submitStarted) / 1000
    const inFlight = await running(client)
    const status = await statusLatencies(client, ids)
    const rss = relay.rss() / MB

    ctx.progress('workflow: kill -9 with workflows in flight, restart')
    await submitMany(client, CONCURRENT, CONCURRENT)
    const dataDir = relay.dataDir
    const before = await running(client)
    await client.close()
    process.kill(relay.pid, 'SIGKILL')
    const restarted = performance.now()
    relay = await startRelayChild([], { dataDir })
    client = await connect(relay.endpoint)
    let after = await running(client)
    while (after >= before && after > 0) after = await running(client)
    const recoveryMs = performance.now() - restarted

    return [
      { section, metric: `${STEPS} echo tasks as one batch: submit→all results`, value: batchMs, unit: 'ms' },
      {
        section,
        metric: `${STEPS}-step chain of echo tasks: submit→end`,
        value: chainMs,
        baseline: batchMs,
        unit: 'ms',
      },
      {
        section,
        metric: `${STEPS}-wide fan-out of echo tasks: submit→end`,
        value: fanMs,
        baseline: batchMs,
        unit: 'ms',
        target: { kind: 'max', of: 'ratio', limit: 1.5 },
      },
      {
        section,
        metric: `${CONCURRENT.toLocaleString('en-US')} workflows of 3 steps submitted (16 callers)`,
        value: submitSeconds,
        unit: 's',
      },
      { section, metric: '  of them still running when measured', value: inFlight, unit: 'workflows' },
      {
        section,
        metric: '  relay RSS meanwhile',
        value: rss,
        baseline: rssBefore,
        unit: 'MB',
        target: { kind: 'max', of: 'value', limit: 400 },
      },
      {
        section,
        metric: '  p2p_workflow_status via MCP (p50)',
        value: percentile(status, 50),
        unit: 'ms',
        target: { kind: 'max', of: 'value', limit: 5 },
      },
      { section, metric: '  p2p_workflow_status via MCP (p99)', value: percentile(status, 99), unit: 'ms' },
      {
        section,
        metric: `kill -9 with ${before.toLocaleString('en-US')} running: restart→first one ends`,
        value: recoveryMs,
        unit: 'ms',
      },
    ]
  } finally {
    await client.close().catch(() => {})
    await worker.stop()
    await relay.stop()
  }
}

export const workflowBench: BenchSection = { name: section, run }
