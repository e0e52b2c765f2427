import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../relay/log.ts'
import type { RunningRelay } from '../relay/relay.ts'
import { IDLE_HEARTBEAT_EVERY } from '../shared/wire/heartbeat-pacer.ts'
import { type FakeWorker, fakeWorker } from './fake-worker.ts'
import { startTestRelay } from './helpers.ts'

/**
 * The relay runs no libp2p pings (create-relay-node.ts): a worker that stops sending
 * heartbeats is dropped by the dispatcher's tick. The relay's clock is the test's, so
 * minutes of silence take no time.
 */
let relay: RunningRelay | undefined
let worker: FakeWorker | undefined
afterEach(async () => {
  await worker?.stop()
  await relay?.close()
  worker = relay = undefined
})

/** The connected workers /api/status lists. */
async function listed(): Promise<{ workerId: string; lastSeen: number }[]> {
  const status = (await (await fetch(`${relay?.url}/api/status`)).json()) as {
    workers: { workerId: string; lastSeen: number; connected: boolean }[]
  }
  return status.workers.filter((w) => w.connected)
}

describe('a worker that goes silent', () => {
  it('is kept while heard from within three idle heartbeat intervals, and dropped after', async () => {
    let clock = Date.now()
    const dropped: { workerId: string; silentMs: number }[] = []
    const log = createLogger('info', (line) => {
      const entry = JSON.parse(line)
      if (entry.message === 'silent worker dropped') dropped.push(entry)
    })
    relay = await startTestRelay({}, { now: () => clock, log })
    worker = await fakeWorker(relay.url)
    const stream = await worker.open()
    const welcome = await stream.hello()
    const silenceMs = welcome.heartbeatMs * IDLE_HEARTBEAT_EVERY * 3
    expect(silenceMs).toBeGreaterThan(welcome.leaseMs)
    // It takes a task and never renews its lease: the lease's expiry shows that a tick
    // ran at the clock's new time.
    const [submitted] = await relay.components.tasks.submit([
      { kind: 'echo', input: 'x', timeoutMs: 3_600_000, maxAttempts: 10 },
    ])
    const id = submitted?.task.id ?? ''
    await stream.next('assign')

    clock += silenceMs - 1_000
    while (relay.components.tasks.get(id)?.error?.code !== 'LEASE_EXPIRED') await new Promise(setImmediate)
    expect((await listed()).map((w) => w.workerId)).toEqual([welcome.workerId])
    expect(dropped).toEqual([])

    // Heard from, then silent for just over the limit since: dropped, its silence
    // counted from that heartbeat, and its stream closed.
    await stream.channel.send({ type: 'heartbeat', inFlight: [] })
    while ((await listed())[0]?.lastSeen !== clock) {
      // The relay has read the heartbeat once its status shows it.
    }
    clock += silenceMs + 1_000
    await stream.closed
    expect(dropped).toEqual([
      expect.objectContaining({ workerId: welcome.workerId, silentMs: silenceMs + 1_000 }),
    ])
    expect(await listed()).toEqual([])
  })
})
