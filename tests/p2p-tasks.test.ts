import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { spawnNodeCompute } from '../worker/compute/node-compute.ts'
import { type RunningWorker, startWorker } from '../worker/core/start-worker.ts'
import type { WorkerEvent } from '../worker/core/worker-events.ts'
import { connectClient, startTestRelay } from './helpers.ts'

let relay: RunningRelay
let client: Client
let worker: RunningWorker

/** Resolves once `predicate` holds for an event the worker emits. */
function workerEvent(
  events: WorkerEvent[],
  listeners: Array<() => void>,
  predicate: (e: WorkerEvent) => boolean,
) {
  return new Promise<void>((resolve) => {
    const check = () => {
      if (events.some(predicate)) resolve()
    }
    listeners.push(check)
    check()
  })
}

const events: WorkerEvent[] = []
const listeners: Array<() => void> = []

beforeAll(async () => {
  relay = await startTestRelay()
  client = await connectClient(relay.url)
  worker = await startWorker({
    relay: relay.url,
    concurrency: 2,
    name: 'test worker',
    spawnCompute: () => spawnNodeCompute(),
    onEvent: (e) => {
      events.push(e)
      for (const l of listeners) l()
    },
  })
  await workerEvent(events, listeners, (e) => e.type === 'state' && e.state === 'connected')
})

afterAll(async () => {
  await worker?.stop({ drain: false })
  await client?.close()
  await relay?.close()
})

const dispatch = (tool: string, params: Record<string, unknown>) =>
  client.callTool({ name: 'tools_dispatch', arguments: { tool, params } })

describe('P2P tasks on a Node worker', () => {
  it('runs a submitted task on the worker and returns its result', async () => {
    const result = await dispatch('p2p_taskqueue_submit', {
      kind: 'sha256',
      input: { text: 'abc' },
      wait: true,
    })
    expect(result.isError).toBeFalsy()
    const out = (result.structuredContent as any).result
    expect(out.results[0]).toMatchObject({
      state: 'succeeded',
      output: { sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', bytes: 3 },
    })
    expect(out.results[0].workerId).toBeNull()
  })
})
