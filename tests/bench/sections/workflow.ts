import { fileURLToPath } from 'node:url'
import type { Client } from '@modelcontextprotocol/client'
import { startChildServer } from '../child-server.ts'
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
const BARE_SERVER = fileURLToPath(new URL('../bare-sdk-server.ts', import.meta.url))

async function dispatch(client: Client, tool: string, params: Record<string, unknown>): Promise<any> {
  const result = await client.callTool(
    { name: 'tools_dispatch', arguments: { tool, params } },
    {
      timeout: 600_000,
    },
  )
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
/** Three echo tasks in a chain, each passing its output on. */
const small = (i: number) => [echo('a', { n: i }), echo('b', { $ref: 'a' }), echo('c', { $ref: 'b' })]

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
async function submitMany(client: Client, count: number): Promise<string[]> {
  const ids: string[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: SUBMITTERS }, async () => {
      while (next < count) {
        const i = next++
        ids.push((await dispatch(client, 'p2p_workflow_submit', { steps: small(i) })).workflow.id)
      }
    }),
  )
  return ids
}

/** Latencies of `call`, one at a time, sorted. */
async function latencies(call: (i: number) => Promise<unknown>, count = STATUS_CALLS): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    await call(i)
    out.push(performance.now() - started)
  }
  return out.sort((a, b) => a - b)
}

const statusOf = (client: Client, ids: readonly string[]) => (i: number) =>
  dispatch(client, 'p2p_workflow_status', { workflowId: ids[(i * 7919) % ids.length] })

async function running(client: Client): Promise<number> {
  return (await dispatch(client, 'p2p_workflow_list', { state: 'running', limit: 1 })).total
}

/** Succeeded tasks in the relay's queue (each a step's: the trigger moves the step in the same transaction). */
async function succeededTasks(relay: RelayChild): Promise<number> {
  const status = (await (await fetch(`${relay.base}/api/status`)).json()) as { queue: { succeeded: number } }
  return status.queue.succeeded
}

/** Polls until more than `than` tasks succeeded; the time since `since`. */
async function succeededAbove(relay: RelayChild, than: number, since: number): Promise<number> {
  while ((await succeededTasks(relay)) <= than) await new Promise((r) => setTimeout(r, 20))
  return performance.now() - since
}

/** Polls until fewer than `than` workflows run; the time it took. */
async function runningBelow(client: Client, than: number, since: number): Promise<number> {
  while ((await running(client)) >= than) await new Promise((r) => setTimeout(r, 20))
  return performance.now() - since
}

/**
 * Issue 12's figures. Scheduling overhead: a 1,000-step chain and a 1,000-wide fan-out of
 * echo tasks on the Node worker, next to the same 1,000 tasks as one batch.
 *
 * Concurrent workflows: 10,000 of three chained echo tasks submitted through MCP with
 * the worker gone, so all are in flight, waiting for workers as a volunteer network's
 * would. The relay's RSS and `p2p_workflow_status` latency then, next to a bare SDK
 * server's echo through the same client (the floor of one MCP call here).
 *
 * Crash recovery: kill -9 with the 10,000 in flight, a restart on the same data
 * directory (timed until it answers with all of them running), then a worker: the
 * time from the restart until the first resumed step ends, and until all of them
 * ended (the worker runs all 30,000 steps meanwhile, as fast as it can, while status
 * latency is measured again).
 */
async function run(ctx: BenchContext): Promise<Row[]> {
  const limits = ['--workflows-max-running-per-identity', '30000', '--workflows-max-running', '30000']
  let relay: RelayChild = await startRelayChild(limits)
  const bare = await startChildServer([BARE_SERVER], 'bare SDK server')
  let worker = await startNodeWorker(relay, 8, 'bench-workflow')
  let client = await connect(relay.endpoint)
  const bareClient = await connect(bare.endpoint)
  const bareEcho = () => bareClient.callTool({ name: 'echo', arguments: { message: 'x' } })
  try {
    ctx.progress('workflow: warm-up')
    await timed(client, fanOut().slice(0, 50))
    await batch(client)
    ctx.progress(`workflow: ${STEPS} tasks as one batch, a ${STEPS}-step chain, a ${STEPS}-wide fan-out`)
    const batchMs = await batch(client)
    const chainMs = await timed(client, chain())
    const fanMs = await timed(client, fanOut())

    ctx.progress(`workflow: ${CONCURRENT.toLocaleString('en-US')} workflows of 3 task steps in flight`)
    await worker.stop()
    const rssBefore = relay.rss() / MB
    const submitStarted = performance.now()
    const ids = await submitMany(client, CONCURRENT)
    const submitSeconds = (performance.now() - submitStarted) / 1000
    const inFlight = await running(client)
    const held = await latencies(statusOf(client, ids))
    const floor = await latencies(bareEcho)
    const rss = relay.rss() / MB

    ctx.progress('workflow: kill -9 with them in flight, restart, a worker')
    const dataDir = relay.dataDir
    await client.close()
    process.kill(relay.pid, 'SIGKILL')
    const restarted = performance.now()
    relay = await startRelayChild(limits, { dataDir })
    client = await connect(relay.endpoint)
    const resumed = await running(client)
    const readyMs = performance.now() - restarted
    const succeeded = await succeededTasks(relay)
    worker = await startNodeWorker(relay, 8, 'bench-workflow')
    const firstStepMs = await succeededAbove(relay, succeeded, restarted)
    const draining = await latencies(statusOf(client, ids))
    const drainSeconds = (await runningBelow(client, 1, restarted)) / 1000

    const thousands = CONCURRENT.toLocaleString('en-US')
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
        metric: `${thousands} workflows of 3 task steps submitted (16 callers)`,
        value: submitSeconds,
        unit: 's',
      },
      { section, metric: '  of them in flight when measured', value: inFlight, unit: 'workflows' },
      {
        section,
        metric: '  relay RSS with them in flight',
        value: rss,
        baseline: rssBefore,
        unit: 'MB',
        target: { kind: 'max', of: 'value', limit: 400 },
      },
      {
        section,
        metric: '  p2p_workflow_status via MCP (p50; base: bare SDK echo)',
        value: percentile(held, 50),
        baseline: percentile(floor, 50),
        unit: 'ms',
        target: { kind: 'max', of: 'value', limit: 5 },
      },
      {
        section,
        metric: '  p2p_workflow_status via MCP (p99; base: bare SDK echo)',
        value: percentile(held, 99),
        baseline: percentile(floor, 99),
        unit: 'ms',
      },
      {
        section,
        metric: `kill -9 with ${resumed.toLocaleString('en-US')} in flight: restart→answering, all resumed`,
        value: readyMs,
        unit: 'ms',
      },
      {
        section,
        metric: '  restart→first resumed step ends (a worker connects)',
        value: firstStepMs,
        unit: 'ms',
      },
      {
        section,
        metric: `  restart→all ${thousands} ended (${(CONCURRENT * 3).toLocaleString('en-US')} steps, one worker)`,
        value: drainSeconds,
        unit: 's',
      },
      {
        section,
        metric: '  p2p_workflow_status meanwhile (p50)',
        value: percentile(draining, 50),
        unit: 'ms',
      },
      {
        section,
        metric: '  p2p_workflow_status meanwhile (p99)',
        value: percentile(draining, 99),
        unit: 'ms',
      },
    ]
  } finally {
    await client.close().catch(() => {})
    await bareClient.close().catch(() => {})
    await worker.stop()
    await relay.stop()
    await bare.stop()
  }
}

export const workflowBench: BenchSection = { name: section, run }
