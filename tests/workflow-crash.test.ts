import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CallToolResult, Client } from '@modelcontextprotocol/client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { connectClient } from './helpers.ts'
import { KIND, type TestWorker, testWorker } from './relay-net.ts'
import { exited, freePort, type RelayProcess, spawnRelay } from './relay-process.ts'

/**
 * Issue 12, "Bad input and faults" and "survive crashes", with the relay as a user runs
 * it: a child process (relay/main.ts) driven over MCP through tools_dispatch, and
 * hand-driven workers on real libp2p streams that hold or answer their tasks.
 */

/** The tests' task kind (no built-in one, so outputs are not checked); a worker answers `{ by, n }`. */
const WAIT = { timeout: 20_000, interval: 50 }
const STALE = 'mcpp_task_stale_results_total'

/** A relay process with a fixed data directory and ports, so kill -9 and a restart give the same relay. */
interface Relay {
  readonly url: string
  start(): Promise<void>
  kill(): Promise<void>
  call(tool: string, params: Record<string, unknown>): Promise<any>
  metric(series: string): Promise<number>
}

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo().catch(() => {})
})

async function relayProcess(): Promise<Relay> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-wfcrash-'))
  const [port, p2pPort] = [await freePort(), await freePort()]
  const args = [
    ...['--host', '127.0.0.1', '--port', String(port), '--p2p-port', String(p2pPort)],
    ...['--data-dir', dataDir, '--log-level', 'warn', '--shutdown-grace-seconds', '1'],
    ...['--tasks-unknown-kinds', 'warn'],
  ]
  const url = `http://127.0.0.1:${port}`
  let running: RelayProcess | undefined
  let client: Client | undefined
  const relay: Relay = {
    url,
    start: async () => {
      running = await spawnRelay(args)
    },
    kill: async () => {
      const child = running?.child
      running = undefined
      const closing = client
      client = undefined
      if (child === undefined) return
      child.kill('SIGKILL')
      await exited(child)
      await closing?.close().catch(() => {})
    },
    call: async (tool, params) => {
      client ??= await connectClient(url)
      const result = (await client.callTool(
        { name: 'tools_dispatch', arguments: { tool, params } },
        { timeout: 60_000 },
      )) as CallToolResult
      if (result.isError) throw new Error(`${tool}: ${JSON.stringify(result._meta ?? result.content)}`)
      return (result.structuredContent as { result: unknown }).result
    },
    metric: async (series) => {
      const text = await (await fetch(`${url}/metrics`)).text()
      const line = text.split('\n').find((l) => l.startsWith(`${series} `))
      return Number(line?.split(' ')[1] ?? 0)
    },
  }
  await relay.start()
  cleanup.push(() => relay.kill())
  return relay
}

/** A `job` worker the test drives (tests/relay-net.ts), stopped after the test. */
async function jobWorker(relay: Relay, options: { by: string; hold?: boolean }): Promise<TestWorker> {
  const worker = await testWorker(relay, options)
  cleanup.push(() => worker.stop())
  return worker
}

const stepsById = (status: any): Record<string, any> =>
  Object.fromEntries(status.steps.map((s: any) => [s.stepId, s]))

/** A chain of four job steps; `b` may run twice, `c` reads `b`'s output. */
const chain = {
  name: 'a chain across a crash',
  steps: [
    { id: 'a', type: 'task', kind: KIND, input: { n: 1 } },
    { id: 'b', type: 'task', kind: KIND, input: { n: 2 }, after: ['a'], maxAttempts: 2 },
    { id: 'c', type: 'task', kind: KIND, input: { n: 3, prev: { $ref: 'b' } } },
    { id: 'd', type: 'task', kind: KIND, input: { n: 4 }, after: ['c'] },
  ],
}

describe('a relay killed with kill -9 in the middle of a workflow', () => {
  it('resumes it after a restart on the same data directory: the finished step is not rerun, the running one is retried, and its late result is refused', async () => {
    const relay = await relayProcess()
    const first = await jobWorker(relay, { by: 'first', hold: true })
    const { workflow } = await relay.call('p2p_workflow_submit', chain)
    const aTask = await first.nextAssigned()
    await first.answer(aTask.taskId)
    const bTask = await first.nextAssigned()
    expect(bTask.input).toEqual({ n: 2 })
    const before = stepsById(await relay.call('p2p_workflow_status', { workflowId: workflow.id }))
    expect(before.a).toMatchObject({
      state: 'succeeded',
      taskId: aTask.taskId,
      output: { by: 'first', n: 1 },
    })
    expect(before.b).toMatchObject({ state: 'running', attempt: 1, taskId: bTask.taskId })
    expect([before.c.state, before.d.state]).toEqual(['pending', 'pending'])

    await relay.kill()
    await relay.start()

    // The restarted relay ends b's first attempt (its task's lease died with the process)
    // and starts the second under b's policy, with a new task that waits for a worker.
    await vi.waitFor(async () => {
      const b = stepsById(await relay.call('p2p_workflow_status', { workflowId: workflow.id })).b
      expect(b).toMatchObject({ state: 'running', attempt: 2 })
      expect(b.taskId).not.toBe(bTask.taskId)
    }, WAIT)
    const oldTask = await relay.call('p2p_taskqueue_status', { taskId: bTask.taskId })
    expect(oldTask).toMatchObject({ state: 'failed', error: { code: 'RELAY_RESTARTED' } })

    // The worker that held b's first attempt comes back and answers it late: refused.
    const late = await first.fake.open()
    await late.hello({ kinds: ['idle'], concurrency: 1 })
    await late.channel.send({
      type: 'results',
      results: [
        { taskId: bTask.taskId, token: bTask.token, ok: true, output: { by: 'late', n: 2 }, durationMs: 1 },
      ],
    })
    await vi.waitFor(async () => expect(await relay.metric(STALE)).toBe(1), WAIT)

    const second = await jobWorker(relay, { by: 'second' })
    const done = await relay.call('p2p_workflow_status', { workflowId: workflow.id, wait: true })
    expect(done.timedOut).toBe(false)
    expect(done.workflow.state).toBe('succeeded')
    const steps = stepsById(done)
    expect(Object.values(steps).map((s) => s.state)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ])
    // a finished before the crash: same task, one attempt, and no worker got it again.
    expect(steps.a).toMatchObject({ attempt: 1, taskId: aTask.taskId, output: { by: 'first', n: 1 } })
    // b's output is the retry's, not the late answer; c read that output.
    expect(steps.b).toMatchObject({ attempt: 2, output: { by: 'second', n: 2 } })
    expect(steps.c).toMatchObject({ attempt: 1, output: { by: 'second', n: 3 } })
    expect(second.assigned.map((t) => t.taskId)).toEqual([steps.b.taskId, steps.c.taskId, steps.d.taskId])
    const cInput = second.assigned[1]?.input as { prev: unknown }
    expect(cInput.prev).toEqual({ by: 'second', n: 2 })
    expect(first.assigned).toHaveLength(2)
    expect(await relay.metric(STALE)).toBe(1)
  }, 60_000)
})

describe('a worker closed in the middle of a step', () => {
  it('gives the step back: its next attempt goes to another worker and the workflow succeeds', async () => {
    const relay = await relayProcess()
    const first = await jobWorker(relay, { by: 'first', hold: true })
    const { workflow } = await relay.call('p2p_workflow_submit', {
      steps: [
        { id: 'a', type: 'task', kind: KIND, input: { n: 1 } },
        { id: 'b', type: 'task', kind: KIND, input: { n: 2, prev: { $ref: 'a' } } },
      ],
    })
    const held = await first.nextAssigned()
    await first.fake.stop()

    await vi.waitFor(async () => {
      const a = stepsById(await relay.call('p2p_workflow_status', { workflowId: workflow.id })).a
      expect(a).toMatchObject({ state: 'running', attempt: 2 })
    }, WAIT)
    const lost = await relay.call('p2p_taskqueue_status', { taskId: held.taskId })
    expect(lost).toMatchObject({ state: 'failed', error: { code: 'WORKER_LOST' } })

    const second = await jobWorker(relay, { by: 'second' })
    const done = await relay.call('p2p_workflow_status', { workflowId: workflow.id, wait: true })
    expect(done.workflow.state).toBe('succeeded')
    const steps = stepsById(done)
    expect(steps.a).toMatchObject({ state: 'succeeded', attempt: 2, output: { by: 'second', n: 1 } })
    expect(steps.a.placement.worker).toBeDefined()
    expect(steps.b).toMatchObject({ state: 'succeeded', attempt: 1, output: { by: 'second', n: 2 } })
    expect(second.assigned.map((t) => t.taskId)).toEqual([steps.a.taskId, steps.b.taskId])
  }, 60_000)
})

describe('cancelling a workflow as its last step completes', () => {
  it('ends each one succeeded or cancelled, never both, with step and task states that agree', async () => {
    const relay = await relayProcess()
    const worker = await jobWorker(relay, { by: 'w', hold: true })
    const ends = { succeeded: 0, cancelled: 0 }
    for (let round = 0; round < 20; round++) {
      const { workflow } = await relay.call('p2p_workflow_submit', {
        steps: [
          { id: 'a', type: 'task', kind: KIND, input: { n: round } },
          { id: 'last', type: 'task', kind: KIND, input: { n: round }, after: ['a'] },
        ],
      })
      await worker.answer((await worker.nextAssigned()).taskId)
      const last = await worker.nextAssigned()
      // The answer and the cancel leave together, in both orders, on different connections.
      const answering = () => worker.answer(last.taskId)
      const cancelling = () => relay.call('p2p_workflow_cancel', { workflowId: workflow.id })
      let cancel: any
      if (round % 2 === 0) {
        const cancelled = cancelling()
        await answering()
        cancel = await cancelled
      } else {
        const answered = answering()
        cancel = await cancelling()
        await answered
      }
      const end = await relay.call('p2p_workflow_status', { workflowId: workflow.id, wait: true })
      expect(end.timedOut).toBe(false)
      const steps = stepsById(end)
      const task = await relay.call('p2p_taskqueue_status', { taskId: last.taskId })
      expect(steps.a.state).toBe('succeeded')
      if (end.workflow.state === 'succeeded') {
        expect(cancel.cancelled).toBe(false)
        expect(steps.last).toMatchObject({ state: 'succeeded', output: { by: 'w', n: round } })
        expect(task.state).toBe('succeeded')
        ends.succeeded++
      } else {
        expect(end.workflow.state).toBe('cancelled')
        expect(cancel.cancelled).toBe(true)
        expect(steps.last.state).toBe('cancelled')
        expect(steps.last.output).toBeUndefined()
        expect(task.state).toBe('cancelled')
        ends.cancelled++
      }
    }
    expect(ends.succeeded + ends.cancelled).toBe(20)
  }, 60_000)
})
