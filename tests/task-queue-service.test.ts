import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { describe, expect, it } from 'vitest'
import { type Answer, scriptedWorker } from './fake-worker.ts'
import { workerHarness } from './fixtures/worker-harness.ts'
import { errorMeta } from './helpers.ts'

const h = workerHarness()

function call(tool: string, params: Record<string, unknown>) {
  return h.client.callTool({ name: 'tools_dispatch', arguments: { tool, params } })
}

async function ok(tool: string, params: Record<string, unknown>): Promise<any> {
  const result = await call(tool, params)
  if (result.isError) throw new Error(JSON.stringify(result._meta ?? result.content))
  return (result.structuredContent as any).result
}

/** A counter's value for one label set, as Prometheus scrapes it from /metrics. */
async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${h.relay.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`))
  return line === undefined ? 0 : Number(line.split(' ').pop())
}

describe('resubmitting through the service', () => {
  it('counts the resubmission in mcpp_tasks_submitted_total and assigns it without another call', async () => {
    await h.start()
    let first = true
    const worker = await scriptedWorker(await h.peer(), (task): Answer => {
      if (!first) return { output: task.input }
      first = false
      return { error: { code: 'INVALID_INPUT', message: 'not this time' }, retryable: false }
    })
    const out = await ok('p2p_taskqueue_submit', {
      kind: 'echo',
      input: 1,
      wait: true,
      waitTimeoutMs: 10_000,
    })
    expect(out.results[0]).toMatchObject({ state: 'failed', error: { code: 'INVALID_INPUT' } })
    const before = await metric('mcpp_tasks_submitted_total', 'kind="echo"')
    const again = await ok('p2p_taskqueue_resubmit', { taskId: out.tasks[0].id })
    expect(await metric('mcpp_tasks_submitted_total', 'kind="echo"')).toBe(before + 1)
    const done = await ok('p2p_taskqueue_wait', { taskId: again.task.id, timeoutMs: 10_000 })
    expect(done.task).toMatchObject({
      state: 'succeeded',
      output: 1,
      previousId: out.tasks[0].id,
    })
    expect(worker.assigned).toEqual([out.tasks[0].id, again.task.id])
  })
})

describe('a task failure reaches the client with the code that says what happened', () => {
  /** A worker that runs `embed` (so text_embed goes to it) and fails as the first text says. */
  async function failingEmbedWorker() {
    const stalled: string[] = []
    const worker = await scriptedWorker(
      await h.peer(),
      (task): Answer => {
        const [how] = (task.input as { texts: string[] }).texts
        if (how === 'stall') {
          stalled.push(task.taskId)
          return { stall: true }
        }
        if (how === 'bad input')
          return { error: { code: 'INVALID_INPUT', message: 'texts: no' }, retryable: false }
        if (how === 'slow') return { error: { code: 'TIMEOUT', message: 'over the limit' }, retryable: false }
        if (how === 'crash') return { error: { code: 'WORKER_CRASHED', message: 'gone' }, retryable: false }
        return { error: { code: 'GREMLINS', message: 'something odd' }, retryable: false }
      },
      { kinds: ['embed'] },
    )
    return { worker, stalled }
  }

  it('bad input is INVALID_PARAMS, a timeout TIMEOUT, a crashed worker TASK_FAILED', async () => {
    await h.start()
    await failingEmbedWorker()
    for (const [text, code, taskCode] of [
      ['bad input', 'INVALID_PARAMS', 'INVALID_INPUT'],
      ['slow', 'TIMEOUT', 'TIMEOUT'],
      ['crash', 'TASK_FAILED', 'WORKER_CRASHED'],
    ]) {
      const result = await call('text_embed', { texts: [text] })
      expect(result.isError, text).toBe(true)
      expect(errorMeta(result), text).toMatchObject({ code, taskError: { code: taskCode } })
    }
  })

  it('a cancelled task is CANCELLED for the call waiting on it', async () => {
    await h.start()
    const { stalled } = await failingEmbedWorker()
    const pending = call('text_embed', { texts: ['stall'] })
    await expect.poll(() => stalled.length).toBe(1)
    await ok('p2p_taskqueue_cancel', { taskId: stalled[0] })
    expect(errorMeta(await pending)).toMatchObject({ code: 'CANCELLED', taskError: { code: 'CANCELLED' } })
  })

  it('an error code the relay does not declare arrives as WORKER_ERROR, and the worker keeps working', async () => {
    await h.start()
    const { worker } = await failingEmbedWorker()
    const result = await call('text_embed', { texts: ['gremlins'] })
    expect(errorMeta(result)).toMatchObject({ code: 'TASK_FAILED', taskError: { code: 'WORKER_ERROR' } })
    const status = await ok('p2p_taskqueue_status', { taskId: worker.assigned[0] })
    expect(status.error).toEqual({ code: 'WORKER_ERROR', message: 'GREMLINS: something odd' })
    // Not a protocol violation: the same stream takes the next task.
    expect(errorMeta(await call('text_embed', { texts: ['crash'] })).code).toBe('TASK_FAILED')
    expect(worker.assigned).toHaveLength(2)
  })
})

describe('a task id that does not exist', () => {
  it('is NOT_FOUND for every tool that takes one', async () => {
    await h.start()
    const taskId = 'no-such-task'
    for (const [tool, extra] of [
      ['p2p_taskqueue_status', {}],
      ['p2p_taskqueue_get_result', {}],
      ['p2p_taskqueue_wait', { timeoutMs: 10 }],
      ['p2p_taskqueue_cancel', {}],
      ['p2p_taskqueue_resubmit', {}],
      ['p2p_taskqueue_priority', { priority: 1 }],
      ['p2p_taskqueue_update_task', { tags: ['x'] }],
    ] as const) {
      const result = await call(tool, { taskId, ...extra })
      expect(errorMeta(result), tool).toMatchObject({ code: 'NOT_FOUND', taskId })
    }
  })
})

describe('a finished task whose output block is gone', () => {
  it('is NOT_FOUND naming the task and the block', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-output-'))
    await h.start({ dataDir })
    const out = await ok('p2p_taskqueue_submit', { kind: 'sha256', input: { text: 'x' } })
    const taskId = out.tasks[0].id
    // A valid CID of a block this relay never stored (as after its blockstore was wiped).
    const cid = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
    const db = new DatabaseSync(join(dataDir, 'tasks.db'))
    db.prepare("UPDATE tasks SET state = 'succeeded', output_cid = ?, finished_at = 1 WHERE id = ?").run(
      cid,
      taskId,
    )
    db.close()
    const result = await call('p2p_taskqueue_get_result', { taskId })
    expect(errorMeta(result)).toMatchObject({ code: 'NOT_FOUND', taskId, cid })
  })
})

describe('a kind no worker has ever announced', () => {
  it('is refused by default, naming the kind and the closest known one', async () => {
    await h.start()
    const result = await call('p2p_taskqueue_submit', { kind: 'sha265', input: { text: 'x' } })
    expect(errorMeta(result)).toMatchObject({
      code: 'INVALID_PARAMS',
      kind: 'sha265',
      suggestions: ['sha256'],
    })
    expect(errorMeta(result).message).toMatch(/did you mean "sha256"/)
    expect(h.relay.components.tasks.counts().queued).toBe(0)
  })

  it('is queued with a warning under tasks.unknownKinds warn', async () => {
    await h.start({ tasks: { unknownKinds: 'warn' } })
    const out = await ok('p2p_taskqueue_submit', { kind: 'sha265', input: { text: 'x' } })
    expect(out.tasks).toHaveLength(1)
    expect(out.warning).toMatch(/"sha265".*did you mean "sha256"/)
    expect(
      (await ok('p2p_taskqueue_submit', { kind: 'sha256', input: { text: 'x' } })).warning,
    ).toBeUndefined()
  })

  it('is known once a worker announced it, also after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-kinds-'))
    await h.start({ dataDir })
    const announcer = await h.peer()
    await (await announcer.open()).hello({ kinds: ['resize-image'] })
    await expect.poll(() => h.relay.components.tasks.taskKinds().has('resize-image')).toBe(true)
    await announcer.stop()
    await h.relay.close()
    await h.start({ dataDir })
    const out = await ok('p2p_taskqueue_submit', { kind: 'resize-image', input: {} })
    expect(out).toMatchObject({ tasks: [{ state: 'queued' }] })
    expect(out.warning).toBeUndefined()
    const typo = await call('p2p_taskqueue_submit', { kind: 'resize-imag', input: {} })
    expect(errorMeta(typo)).toMatchObject({ code: 'INVALID_PARAMS', suggestions: ['resize-image'] })
  })
})

describe('a volunteer flooding the relay with announced kinds', () => {
  it("cannot get a connected worker's kind refused", async () => {
    await h.start()
    const legit = await (await h.peer()).open()
    await legit.hello({ kinds: ['resize-image'] })
    // Past the 10,000 kinds the relay remembers: before the limit per peer, the
    // legitimate kind was the least recently seen and was forgotten.
    const flooder = await h.peer()
    for (let i = 0; i < 160; i++) {
      const s = await flooder.open()
      await s.hello({ kinds: Array.from({ length: 64 }, (_, j) => `flood-${i}-${j}`) })
      s.channel.close()
    }
    const out = await ok('p2p_taskqueue_submit', { kind: 'resize-image', input: {} })
    expect(out).toMatchObject({ tasks: [{ state: expect.stringMatching(/queued|leased/) }] })
    expect(out.warning).toBeUndefined()
  }, 60_000)
})

describe('waiting for a task nothing can run', () => {
  it('answers with timedOut and why, well before the client gives up', async () => {
    await h.start()
    const out = await ok('p2p_taskqueue_submit', {
      kind: 'sha256',
      input: { text: 'x' },
      wait: true,
      waitTimeoutMs: 200,
    })
    expect(out).toMatchObject({
      timedOut: true,
      reason: 'no worker is connected (kind "sha256" waits for one)',
    })
    await scriptedWorker(await h.peer(), () => ({ output: 'never' }), { kinds: ['echo'] })
    const waited = await ok('p2p_taskqueue_wait', { taskId: out.tasks[0].id, timeoutMs: 200 })
    expect(waited).toMatchObject({ timedOut: true, reason: 'no connected worker announces kind "sha256"' })
  })

  it('says when every capable worker is busy', async () => {
    await h.start()
    await scriptedWorker(await h.peer(), () => ({ stall: true }), { kinds: ['sha256'], concurrency: 1 })
    await ok('p2p_taskqueue_submit', { kind: 'sha256', input: { text: 'held' } })
    const out = await ok('p2p_taskqueue_submit', {
      tasks: [
        { kind: 'sha256', input: { text: 'a' } },
        { kind: 'sha256', input: { text: 'b' } },
      ],
      wait: true,
      waitTimeoutMs: 200,
    })
    expect(out.timedOut).toBe(true)
    expect(out.reason).toBe('2 of 2 tasks unfinished; the first: the only capable worker is busy (1/1 slots)')
  })

  it('waits 50 s by default and at most, under the 60 s request timeout of common clients', async () => {
    await h.start()
    for (const [tool, param] of [
      ['p2p_taskqueue_submit', 'waitTimeoutMs'],
      ['p2p_taskqueue_wait', 'timeoutMs'],
    ]) {
      const published = await h.client.callTool({ name: 'tools_get_schema', arguments: { tool } })
      const schema = (published.structuredContent as any).inputSchema.properties[param as string]
      expect(schema, tool).toMatchObject({ default: 50_000, maximum: 50_000 })
    }
    const over = await call('p2p_taskqueue_wait', { taskId: 'x', timeoutMs: 60_000 })
    expect(errorMeta(over).code).toBe('INVALID_PARAMS')
  })
})
