import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { LOCK_FILE } from '../relay/data-dir-lock.ts'
import { type FakeStream, type FakeWorker, fakeWorker } from './fake-worker.ts'
import { connectClient, errorMeta, initializeBody, rawPost } from './helpers.ts'
import { exited, type RelayProcess, spawnRelay } from './relay-process.ts'

/** The relay's JSON log lines on stderr, and a way to wait for one by message. */
function relayLog(child: ChildProcess) {
  const lines: Array<Record<string, any>> = []
  const waiting: Array<() => void> = []
  let rest = ''
  child.stderr?.on('data', (chunk) => {
    rest += chunk
    const complete = rest.split('\n')
    rest = complete.pop() ?? ''
    for (const line of complete) {
      try {
        lines.push(JSON.parse(line))
      } catch {
        continue // not a log line (a Node warning)
      }
      for (const w of waiting.splice(0)) w()
    }
  })
  const find = (message: string) => lines.find((l) => l.message === message)
  return {
    find,
    waitFor: (message: string) =>
      new Promise<Record<string, any>>((resolve) => {
        const check = () => {
          const line = find(message)
          if (line) resolve(line)
          else waiting.push(check)
        }
        check()
      }),
  }
}

const open: Array<{ client?: Client; fake?: FakeWorker; relay?: RelayProcess }> = []
afterEach(async () => {
  for (const { client, fake, relay } of open.splice(0)) {
    await client?.close().catch(() => {})
    await fake?.stop()
    if (relay && relay.child.exitCode === null && relay.child.signalCode === null) {
      relay.child.kill('SIGKILL')
      await exited(relay.child)
    }
  }
})

/** What the call in flight asks for: by default a P2P task waited on through the queue tools. */
interface CallInFlight {
  kinds?: string[]
  tool?: string
  params?: Record<string, unknown>
}

/** A relay process, a worker that holds the task it is given, and a client whose call waits on that task. */
async function relayWithCallInFlight(graceSeconds: number, how: CallInFlight = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-stop-'))
  const args = ['--port', '0', '--p2p-port', '0', '--data-dir', dataDir, '--log-level', 'info']
  const relay = await spawnRelay([...args, '--shutdown-grace-seconds', String(graceSeconds)])
  const log = relayLog(relay.child)
  const fake = await fakeWorker(relay.url)
  const client = await connectClient(relay.url)
  open.push({ client, fake, relay })
  const worker: FakeStream = await fake.open()
  await worker.hello({ kinds: how.kinds ?? ['echo'], concurrency: 1 })
  const call = client.callTool(
    {
      name: 'tools_dispatch',
      arguments: {
        tool: how.tool ?? 'p2p_taskqueue_submit',
        params: how.params ?? { kind: 'echo', input: { n: 7 }, wait: true, waitTimeoutMs: 50_000 },
      },
    },
    { timeout: 600_000 },
  )
  // The call is in flight: it submitted the task, which the relay handed to the worker.
  const assign = await worker.next('assign')
  const task = assign.tasks[0]!
  return { dataDir, args, relay, log, worker, call, task }
}

/** The task as a second relay on the same data directory sees it. */
async function statusAfterRestart(args: string[], taskId: string): Promise<any> {
  const again = await spawnRelay(args)
  const client = await connectClient(again.url)
  open.push({ client, relay: again })
  const status = await client.callTool({
    name: 'tools_dispatch',
    arguments: { tool: 'p2p_taskqueue_status', params: { taskId } },
  })
  expect(status.isError).toBeFalsy()
  return (status.structuredContent as any).result
}

describe('graceful stop on SIGTERM', () => {
  it('answers a call still running at the deadline with SHUTTING_DOWN and keeps its task for the next relay', async () => {
    const { dataDir, args, relay, log, call, task } = await relayWithCallInFlight(1)
    relay.child.kill('SIGTERM')
    const result = await call
    expect(result.isError).toBe(true)
    expect(errorMeta(result).code).toBe('SHUTTING_DOWN')
    await exited(relay.child)
    expect(relay.child.exitCode).toBe(0)
    expect(log.find('MCP calls drained')).toMatchObject({ inFlight: 1, finished: 0, cut: 1, graceSeconds: 1 })
    expect(log.find('stopped')).toBeDefined()

    // The lock is released, and a second relay on the same data directory still has the task.
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false)
    expect(await statusAfterRestart(args, task.taskId)).toMatchObject({ id: task.taskId, state: 'queued' })
  })

  it('keeps the task of a P2P-routed tool call it cuts, and names it in the answer', async () => {
    const { args, relay, call, task } = await relayWithCallInFlight(1, {
      kinds: ['embed'],
      tool: 'text_embed',
      params: { texts: ['held by the worker'] },
    })
    relay.child.kill('SIGTERM')
    const result = await call
    expect(errorMeta(result)).toMatchObject({ code: 'SHUTTING_DOWN', taskId: task.taskId })
    await exited(relay.child)
    expect(await statusAfterRestart(args, task.taskId)).toMatchObject({ id: task.taskId, state: 'queued' })
  })

  it('puts a running task back without spending its attempt, so one on its last attempt is not lost', async () => {
    const { args, relay, call, task } = await relayWithCallInFlight(1, {
      params: { kind: 'echo', input: { n: 7 }, maxAttempts: 1, wait: true, waitTimeoutMs: 50_000 },
    })
    relay.child.kill('SIGTERM')
    expect(errorMeta(await call).code).toBe('SHUTTING_DOWN')
    await exited(relay.child)
    expect(await statusAfterRestart(args, task.taskId)).toMatchObject({
      id: task.taskId,
      state: 'queued',
      attempt: 0,
      maxAttempts: 1,
    })
  })

  it('gives a call that finishes within the grace period its real result and refuses new requests meanwhile', async () => {
    const { relay, log, worker, call, task } = await relayWithCallInFlight(300)
    relay.child.kill('SIGTERM')
    await log.waitFor('stopping')
    // Draining: a new request is refused with 503 and says why.
    const refused = await rawPost(relay.url, initializeBody())
    expect(refused.status).toBe(503)
    expect(refused.messages[0].error.message).toContain('SHUTTING_DOWN')
    // The worker finishes the task; the call in flight gets its result.
    await worker.channel.send({
      type: 'results',
      results: [{ taskId: task.taskId, token: task.token, ok: true, output: { n: 7 }, durationMs: 1 }],
    })
    const result = await call
    expect(result.isError).toBeFalsy()
    expect((result.structuredContent as any).result.results[0]).toMatchObject({
      id: task.taskId,
      state: 'succeeded',
      output: { n: 7 },
    })
    await exited(relay.child)
    expect(relay.child.exitCode).toBe(0)
    expect(log.find('MCP calls drained')).toMatchObject({ inFlight: 1, finished: 1, cut: 0 })
  })

  it('drains the dashboard’s calls (/api/call) with MCP’s: refused once stopping, cut at the deadline', async () => {
    const { relay, log } = await relayWithCallInFlight(300)
    const dashboardCall = (params: Record<string, unknown>) =>
      fetch(`${relay.url}/api/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tool: 'p2p_taskqueue_submit', params }),
      })
    // The worker holds the MCP call's task, so this one's task waits in the queue.
    const waiting = dashboardCall({ kind: 'echo', input: { n: 8 }, wait: true, waitTimeoutMs: 50_000 })
    await vi.waitFor(async () => {
      const status = await (await fetch(`${relay.url}/api/status`)).json()
      expect(status.queue.queued).toBe(1)
    })
    relay.child.kill('SIGTERM')
    await log.waitFor('stopping')
    const refused = await dashboardCall({ kind: 'echo', input: { n: 9 } })
    expect(refused.status).toBe(503)
    expect((await refused.json()).error.code).toBe('SHUTTING_DOWN')
    relay.child.kill('SIGINT')
    const cut = await waiting
    expect(cut.status).toBe(503)
    expect((await cut.json()).error.code).toBe('SHUTTING_DOWN')
    await exited(relay.child)
    expect(log.find('MCP calls drained')).toMatchObject({ inFlight: 2, cut: 2 })
  })

  it('stops at once on a second signal during the grace period', async () => {
    const { relay, log, call } = await relayWithCallInFlight(300)
    relay.child.kill('SIGTERM')
    await log.waitFor('stopping')
    relay.child.kill('SIGINT')
    const result = await call
    expect(errorMeta(result).code).toBe('SHUTTING_DOWN')
    await exited(relay.child)
    expect(relay.child.exitCode).toBe(0)
    expect(log.find('MCP calls drained')).toMatchObject({ inFlight: 1, cut: 1 })
  })
})
