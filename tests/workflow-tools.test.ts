import { createHash } from 'node:crypto'
import type { Client, Progress } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import type { RunningWorker } from '../worker/core/start-worker.ts'
import { connectedWorker } from './fixtures/node-worker.ts'
import { connectClient, errorMeta, startTestRelay } from './helpers.ts'

/**
 * The six `p2p_workflow_*` tools through a real MCP client, over a relay with a real
 * Node worker (it runs `sha256` tasks).
 */
let relay: RunningRelay
let client: Client
let worker: RunningWorker

beforeAll(async () => {
  // `warn`: a kind no worker has announced is queued (the cancel test waits on one).
  relay = await startTestRelay({ tasks: { unknownKinds: 'warn' } })
  client = await connectClient(relay.url)
  worker = await connectedWorker(relay.url, { concurrency: 2, name: 'workflow test worker' })
})
afterAll(async () => {
  await worker?.stop({ drain: false })
  await client?.close()
  await relay?.close()
})

const call = (tool: string, params: Record<string, unknown>, onprogress?: (p: Progress) => void) =>
  client.callTool(
    { name: 'tools_dispatch', arguments: { tool, params } },
    onprogress ? { onprogress, timeout: 60_000 } : { timeout: 60_000 },
  )

async function ok(tool: string, params: Record<string, unknown>, onprogress?: (p: Progress) => void) {
  const result = await call(tool, params, onprogress)
  if (result.isError) throw new Error(JSON.stringify(result._meta ?? result.content))
  return (result.structuredContent as { result: any }).result
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** Chunk a text with a tool, hash each chunk on the worker (a map), hash the first digest with a tool. */
const pipeline = (idempotencyKey?: string) => ({
  name: 'chunk, hash on workers, hash again',
  ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  tags: ['test'],
  steps: [
    {
      id: 'chunk',
      type: 'tool',
      tool: 'text_chunk',
      params: { text: 'one two three four five', size: 2, overlap: 0, unit: 'words' },
    },
    {
      id: 'hash',
      type: 'map',
      over: { $ref: 'chunk', path: '$.chunks' },
      do: { type: 'task', kind: 'sha256', input: { text: { $item: true, path: '$.text' } } },
      parallelism: 2,
    },
    {
      id: 'first',
      type: 'tool',
      tool: 'text_hash',
      params: { text: { $ref: 'hash', path: '$[0].sha256' } },
    },
  ],
})

describe('p2p_workflow_submit and _status', () => {
  it('runs a tool, a map of tasks on the worker and a tool on its output, and reports progress while it waits', async () => {
    const progress: Progress[] = []
    const out = await ok('p2p_workflow_submit', { ...pipeline(), wait: true }, (p) => progress.push(p))
    expect(out.workflow.state).toBe('succeeded')
    expect(out.created).toBe(true)
    const steps = Object.fromEntries(out.steps.map((s: any) => [s.stepId, s]))
    expect(steps.hash.output.map((o: any) => o.sha256)).toEqual(['one two', 'three four', 'five'].map(sha256))
    expect(steps.hash.items).toMatchObject({ total: 3, succeeded: 3, failed: 0 })
    expect(steps.first.output.digest).toBe(sha256(sha256('one two')))
    expect(out.steps.every((s: any) => s.state === 'succeeded' && s.durationMs !== null)).toBe(true)
    expect(progress.length).toBeGreaterThan(0)
    expect(progress.at(-1)).toMatchObject({ total: 3 })

    const status = await ok('p2p_workflow_status', { workflowId: out.workflow.id })
    expect(status.workflow).toMatchObject({ id: out.workflow.id, state: 'succeeded', tags: ['test'] })
  })

  it('returns the workflow submitted first for the same idempotency key', async () => {
    const first = await ok('p2p_workflow_submit', { ...pipeline('same-key'), wait: true })
    const again = await ok('p2p_workflow_submit', pipeline('same-key'))
    expect(again).toMatchObject({ created: false, workflow: { id: first.workflow.id } })
  })

  it('refuses a cyclic workflow with an unknown tool before anything runs, naming the steps', async () => {
    const before = (await ok('p2p_workflow_list', {})).total
    const result = await call('p2p_workflow_submit', {
      steps: [
        { id: 'a', type: 'task', kind: 'sha256', input: { text: { $ref: 'b' } } },
        { id: 'b', type: 'task', kind: 'sha256', input: { text: { $ref: 'a' } } },
        { id: 'c', type: 'tool', tool: 'no_such_tool', params: {} },
      ],
    })
    expect(result.isError).toBe(true)
    const error = errorMeta(result)
    expect(error.code).toBe('INVALID_PARAMS')
    const codes = JSON.stringify(error)
    expect(codes).toContain('CYCLE')
    expect(codes).toContain('UNKNOWN_TOOL')
    expect(codes).toContain('no_such_tool')
    expect((await ok('p2p_workflow_list', {})).total).toBe(before)
  })
})

describe('p2p_workflow_list, _get_dag, _cancel and _coordinate', () => {
  it('lists workflows by state and draws the graph with its critical path', async () => {
    const done = await ok('p2p_workflow_submit', { ...pipeline(), wait: true })
    const listed = await ok('p2p_workflow_list', { state: 'succeeded', limit: 100 })
    expect(listed.workflows.map((w: any) => w.id)).toContain(done.workflow.id)
    expect(listed.workflows.every((w: any) => w.state === 'succeeded')).toBe(true)

    const dag = await ok('p2p_workflow_get_dag', { workflowId: done.workflow.id })
    expect(dag.nodes.map((n: any) => [n.id, n.state])).toEqual([
      ['chunk', 'succeeded'],
      ['hash', 'succeeded'],
      ['first', 'succeeded'],
    ])
    expect(dag.edges.map((e: any) => `${e.from}>${e.to}`).sort()).toEqual(['chunk>hash', 'hash>first'])
    expect(dag.criticalPath.steps).toEqual(['chunk', 'hash', 'first'])
    expect(dag.dot).toMatch(/^digraph/)
    expect(dag.dot).toContain('"chunk"')
    expect(dag.mermaid).toMatch(/^flowchart/)
  })

  it('cancels a workflow waiting on a task no worker runs, keeps what finished, and says so once', async () => {
    const out = await ok('p2p_workflow_submit', {
      steps: [
        { id: 'ready', type: 'tool', tool: 'text_hash', params: { text: 'x' } },
        { id: 'stuck', type: 'task', kind: 'no-worker-runs-this', input: { x: { $ref: 'ready' } } },
        { id: 'later', type: 'tool', tool: 'text_hash', params: { text: { $ref: 'stuck', path: '$.x' } } },
      ],
    })
    const id = out.workflow.id
    await vi.waitFor(async () => {
      const status = await ok('p2p_workflow_status', { workflowId: id })
      expect(status.steps.find((s: any) => s.stepId === 'stuck').state).toBe('running')
    })
    const placement = await ok('p2p_workflow_coordinate', { workflowId: id })
    expect(placement.steps.find((s: any) => s.stepId === 'stuck')).toMatchObject({ state: 'running' })
    expect(placement.moved).toEqual([])

    const cancelled = await ok('p2p_workflow_cancel', { workflowId: id, reason: 'test' })
    expect(cancelled.cancelled).toBe(true)
    expect(cancelled.workflow.state).toBe('cancelled')
    const states = Object.fromEntries(cancelled.steps.map((s: any) => [s.stepId, s.state]))
    expect(states).toEqual({ ready: 'succeeded', stuck: 'cancelled', later: 'cancelled' })
    const task = relay.components.tasks.get(cancelled.steps.find((s: any) => s.stepId === 'stuck').taskId)
    expect(task?.state).toBe('cancelled')

    const again = await ok('p2p_workflow_cancel', { workflowId: id })
    expect(again).toMatchObject({ cancelled: false, workflow: { state: 'cancelled' } })
  })

  it('answers NOT_FOUND for a workflow id it does not know', async () => {
    for (const tool of ['p2p_workflow_status', 'p2p_workflow_get_dag', 'p2p_workflow_cancel']) {
      const result = await call(tool, { workflowId: 'no-such-workflow' })
      expect(errorMeta(result).code, tool).toBe('NOT_FOUND')
    }
  })
})
