import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { workflowSpecSchema } from '../shared/workflow/spec-schema.ts'
import { type FakeWorker, fakeWorker, scriptedWorker } from './fake-worker.ts'
import { startTestRelay } from './helpers.ts'

const open: Array<RunningRelay | FakeWorker> = []
afterEach(async () => {
  for (const part of open.splice(0).reverse()) await ('close' in part ? part.close() : part.stop())
})

async function relayOn(dataDir: string): Promise<RunningRelay> {
  const relay = await startTestRelay({ dataDir })
  open.push(relay)
  return relay
}

async function worker(relay: RunningRelay, stall: (input: unknown) => boolean) {
  const peer = await fakeWorker(relay.url)
  open.push(peer)
  return scriptedWorker(peer, (t) => (stall(t.input) ? { stall: true } : { output: t.input }))
}

describe('a workflow across a relay restart', () => {
  it('resumes where it was: finished steps are not rerun, the running one completes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-wf-'))
    const first = await relayOn(dataDir)
    const before = await worker(first, (input) => input === 'second')
    const workflows = first.components.workflows
    const { status } = await workflows.submit(
      workflowSpecSchema.parse({
        steps: [
          { id: 'a', type: 'task', kind: 'echo', input: 'first' },
          { id: 'b', type: 'task', kind: 'echo', input: 'second', after: ['a'] },
          { id: 'h', type: 'tool', tool: 'text_hash', params: { text: { $ref: 'b' } } },
        ],
      }),
      { identity: 'tester' },
    )
    const id = status.workflow.id
    while (workflows.status(id).steps[1]?.state !== 'running' || before.assigned.length < 2)
      await workflows.wait(id, { timeoutMs: 50 })
    const aTask = workflows.status(id).steps[0]?.taskId
    await first.close()
    open.splice(open.indexOf(first), 1)

    const second = await relayOn(dataDir)
    const after = await worker(second, () => false)
    const { status: done, timedOut } = await second.components.workflows.wait(id, { timeoutMs: 15_000 })
    expect(timedOut).toBe(false)
    expect(done.workflow.state).toBe('succeeded')
    expect(done.steps.map((s) => s.state)).toEqual(['succeeded', 'succeeded', 'succeeded'])
    // `a` finished before the restart: its task is the same and no worker ran it again.
    expect(done.steps[0]?.taskId).toBe(aTask)
    expect(after.assigned).toEqual([done.steps[1]?.taskId])
    expect(done.steps[2]?.output).toMatchObject({ bytes: 6 })
  })
})
