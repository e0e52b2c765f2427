import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { MAX_WORKER_RELAY_ADDRESSES } from '../shared/network/worker-relays.ts'
import { framedChannel } from '../shared/wire/framed-channel.ts'
import { MAX_TASK_MESSAGE_BYTES, TASK_PROTOCOL, workerMessage } from '../shared/wire/task-messages.ts'
import { spawnNodeCompute } from '../worker/compute/node-compute.ts'
import { type RunningWorker, startWorker } from '../worker/core/start-worker.ts'
import type { WorkerEvent } from '../worker/core/worker-events.ts'

const OTHER = '12D3KooWGX4yg2qetMdARtqz2W4663fk8xYuWKAfNFjNiUXqRKat'
const good = `/ip4/127.0.0.1/tcp/9/ws/p2p/${OTHER}`

/**
 * A hostile relay: a real libp2p node speaking the task protocol, whose welcome lists
 * relays as the test says: one welcome per stream, in order, the last one repeated.
 */
let relay: Libp2p
let welcomes: unknown[] = []
let streams = 0
let worker: RunningWorker | undefined
const events: WorkerEvent[] = []

beforeAll(async () => {
  relay = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
  })
  await relay.handle(TASK_PROTOCOL, (stream) => {
    const relays = welcomes[Math.min(streams++, welcomes.length - 1)]
    const channel = framedChannel<unknown, unknown>(stream, {
      inbound: workerMessage,
      maxMessageBytes: MAX_TASK_MESSAGE_BYTES,
      onMessage: (message) => {
        if ((message as { type: string }).type !== 'hello') return
        void channel.send({
          type: 'welcome',
          relayPeerId: relay.peerId.toString(),
          workerId: `w/${streams}`,
          heartbeatMs: 60_000,
          leaseMs: 180_000,
          maxMessageBytes: MAX_TASK_MESSAGE_BYTES,
          relays,
        })
      },
    })
  })
})

afterAll(async () => {
  await worker?.stop({ drain: false })
  await relay?.stop()
})

describe('the relay list a relay sends its workers', () => {
  it('is refused when oversized or garbage: the worker survives, redials and keeps only valid relays', async () => {
    const tooMany = Array.from(
      { length: MAX_WORKER_RELAY_ADDRESSES + 1 },
      (_, i) => `/ip4/10.0.0.${i}/tcp/9/ws/p2p/${OTHER}`,
    )
    welcomes = [tooMany, ['not a multiaddr', good], 'garbage', [good]]
    worker = await startWorker({
      relay: relay.getMultiaddrs()[0]!.toString(),
      concurrency: 1,
      name: 'list test',
      spawnCompute: () => spawnNodeCompute(),
      onEvent: (e) => events.push(e),
      reconnectBaseMs: 10,
    })
    await vi.waitFor(() => expect(worker!.worker.stats().state).toBe('connected'), { timeout: 20_000 })
    // Each bad welcome reset its stream (the worker's stats say why) and was not taken in.
    expect(streams).toBe(4)
    expect(events.filter((e) => e.type === 'state' && e.error?.includes('invalid_message'))).toHaveLength(3)
    expect(worker.worker.knownRelays().map((r) => r.peerId)).toEqual([relay.peerId.toString(), OTHER])
    expect(worker.worker.knownRelays()[1]!.addresses).toEqual([good])
  })
})
