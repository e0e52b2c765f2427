/**
 * `node tests/bench/worker-swarm.ts --relay <multiaddr> --count N --from 127.0.0.X`:
 * N task workers in one process, each its own libp2p node with its own connection to
 * the relay (noise, yamux, identify, ping, as create-worker-node.ts builds them). Each
 * says hello (kind `echo`, concurrency 1), heartbeats as the relay asks and answers
 * every assignment with its input at once; there is no compute, so the relay's side is
 * what gets measured. Prints `connected K` as workers are welcomed, `ready N` once all
 * are, and `gone K` if the relay closes a worker's stream. SIGTERM stops every node.
 */

import { parseArgs } from 'node:util'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import WebSocket from 'ws'
import { framedChannel } from '../../shared/wire/framed-channel.ts'
import { HeartbeatPacer } from '../../shared/wire/heartbeat-pacer.ts'
import {
  MAX_TASK_MESSAGE_BYTES,
  type RelayMessage,
  relayMessage,
  TASK_PROTOCOL,
  type WorkerFrame,
} from '../../shared/wire/task-messages.ts'
import { createWorkerNode } from '../../worker/core/create-worker-node.ts'

const { values } = parseArgs({
  options: {
    relay: { type: 'string' },
    count: { type: 'string' },
    from: { type: 'string', default: '127.0.0.1' },
    'dial-concurrency': { type: 'string', default: '4' },
  },
})
const relay = values.relay
const count = Number(values.count)
const dialConcurrency = Number(values['dial-concurrency'])
if (relay === undefined || !(count > 0)) throw new Error('usage: --relay <multiaddr> --count N [--from IP]')

/**
 * Dial from `--from`: libp2p admits 25 inbound connections per second per remote host
 * (create-relay-node.ts), so each swarm process stands for one host, as workers on
 * separate machines would. Node's built-in WebSocket cannot pick a source address; `ws`
 * (the library libp2p's own Node listener uses) can, and speaks the same API.
 */
const from = values.from
class WebSocketFrom extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { localAddress: from })
  }
}
;(globalThis as { WebSocket: unknown }).WebSocket = WebSocketFrom

const nodes: Libp2p[] = []
let connected = 0
let gone = 0
let stopping = false

async function startWorker(): Promise<void> {
  const node = await createWorkerNode()
  try {
    await welcome(node)
    nodes.push(node)
  } catch (err) {
    await node.stop()
    throw err
  }
}

async function welcome(node: Libp2p): Promise<void> {
  const stream = await node.dialProtocol(multiaddr(relay as string), TASK_PROTOCOL)
  let heartbeat: ReturnType<typeof setInterval> | undefined
  let isWelcomed = false
  const welcomed = new Promise<void>((resolve, reject) => {
    const channel = framedChannel<RelayMessage, WorkerFrame>(stream, {
      inbound: relayMessage,
      maxMessageBytes: MAX_TASK_MESSAGE_BYTES,
      onMessage: (message) => {
        if (message.type === 'welcome') {
          isWelcomed = true
          // Paced as task-worker.ts paces them: this worker answers at once, so it holds nothing.
          const pacer = new HeartbeatPacer()
          heartbeat = setInterval(() => {
            if (pacer.due(0)) void channel.send({ type: 'heartbeat', inFlight: [] }).catch(() => {})
          }, message.heartbeatMs)
          resolve()
        } else if (message.type === 'assign') {
          const results = message.tasks.map((task) => ({
            taskId: task.taskId,
            token: task.token,
            ok: true as const,
            output: task.input,
            durationMs: 0,
          }))
          void channel.send({ type: 'results', results }).catch(() => {})
        } else if (message.type === 'error') {
          reject(new Error(`relay refused the worker: ${message.code} ${message.message}`))
        }
      },
      onClose: () => {
        clearInterval(heartbeat)
        reject(new Error('the relay closed the task stream'))
        if (isWelcomed && !stopping) process.stdout.write(`gone ${++gone}\n`)
      },
    })
    void channel.send({ type: 'hello', version: 1, name: 'bench', kinds: ['echo'], concurrency: 1 })
  })
  await welcomed
}

/**
 * Starts one worker, retrying a refused dial: beyond the per-host rate the relay drops
 * the connection before the handshake, which the dialer sees as an error.
 */
async function startWithRetry(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      await startWorker()
      return attempt
    } catch (err) {
      if (attempt >= 50) throw err
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200))
    }
  }
}

process.on('SIGTERM', async () => {
  stopping = true
  await Promise.allSettled(nodes.map((n) => n.stop()))
  process.exit(0)
})

let next = 0
let retries = 0
await Promise.all(
  Array.from({ length: dialConcurrency }, async () => {
    while (next < count) {
      next++
      retries += await startWithRetry()
      connected++
      if (connected % 50 === 0) process.stdout.write(`connected ${connected}\n`)
    }
  }),
)
process.stdout.write(`ready ${connected} retries ${retries}\n`)
