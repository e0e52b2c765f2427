import type { Client } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../relay/log.ts'
import type { RunningRelay } from '../relay/relay.ts'
import type { AssignedTask } from '../shared/wire/task-messages.ts'
import { type FakeWorker, fakeWorker } from './fake-worker.ts'
import { connectClient, startTestRelay } from './helpers.ts'

/**
 * A workflow's tasks count against its submitter's quota like any other tasks
 * (tasks.maxActivePerIdentity): a step that would go over it waits, spends no attempt,
 * and starts once the submitter's tasks finish. Without that, many workflows (or one
 * wide map) would hold more unfinished tasks than the operator allows an identity.
 */
let relay: RunningRelay
let client: Client
let worker: FakeWorker
const waits: string[] = []
let onWait: () => void = () => {}

beforeAll(async () => {
  const log = createLogger('info', (line) => {
    const entry = JSON.parse(line)
    if (entry.message !== 'workflow waits for the task quota') return
    waits.push(entry.workflowId)
    onWait()
  })
  relay = await startTestRelay({ tasks: { maxActivePerIdentity: 2 } }, { log })
  client = await connectClient(relay.url)
  worker = await fakeWorker(relay.url)
})
afterAll(async () => {
  await worker?.stop()
  await client?.close()
  await relay?.close()
})

async function ok(tool: string, params: Record<string, unknown>): Promise<any> {
  const result = await client.callTool({ name: 'tools_dispatch', arguments: { tool, params } })
  if (result.isError) throw new Error(JSON.stringify(result._meta ?? result.content))
  return (result.structuredContent as { result: any }).result
}

describe('a workflow under the submitter’s task quota', () => {
  it('keeps at most the quota of its tasks unfinished, and finishes once they end', async () => {
    // The worker holds every task until the test lets it answer.
    const s = await worker.open()
    await s.hello({ kinds: ['echo'], concurrency: 8 })
    const held: AssignedTask[] = []
    void (async () => {
      for (;;) {
        const message = await Promise.race([s.next('assign'), s.closed.then(() => null)])
        if (message === null) return
        held.push(...message.tasks)
      }
    })()
    const answer = async () => {
      const tasks = held.splice(0)
      const results = tasks.map((t) => ({
        taskId: t.taskId,
        token: t.token,
        ok: true as const,
        output: t.input,
        durationMs: 1,
      }))
      if (results.length > 0) await s.channel.send({ type: 'results', results })
    }

    const waited = new Promise<void>((resolve) => (onWait = resolve))
    const { workflow } = await ok('p2p_workflow_submit', {
      steps: [
        {
          id: 'list',
          type: 'tool',
          tool: 'text_chunk',
          params: { text: 'a b c d e f', size: 1, overlap: 0, unit: 'words' },
        },
        {
          id: 'each',
          type: 'map',
          over: { $ref: 'list', path: '$.chunks' },
          do: { type: 'task', kind: 'echo', input: { $item: true, path: '$.text' } },
          parallelism: 4,
        },
      ],
    })
    // The map would start 4 tasks; the quota lets 2 be queued, and the rest wait.
    await waited
    expect(waits).toContain(workflow.id)
    const tasks = await ok('p2p_taskqueue_list_tasks', { states: ['queued', 'leased', 'running'] })
    expect(tasks.total).toBe(2)

    // Each answer frees the quota: the waiting items start, and the workflow ends.
    for (;;) {
      await answer()
      const status = await ok('p2p_workflow_status', {
        workflowId: workflow.id,
        wait: true,
        waitTimeoutMs: 200,
      })
      if (status.workflow.state !== 'running') {
        expect(status.workflow.state).toBe('succeeded')
        break
      }
    }
    const all = await ok('p2p_taskqueue_list_tasks', { limit: 100 })
    expect(all.tasks.every((t: { attempt: number }) => t.attempt === 1)).toBe(true)
  })
})
