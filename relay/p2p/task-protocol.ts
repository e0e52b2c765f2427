import type { Libp2p } from '@libp2p/interface'
import type { Counter } from 'prom-client'
import { framedChannel } from '../../shared/wire/framed-channel.ts'
import {
  MAX_TASK_MESSAGE_BYTES,
  type RelayMessage,
  TASK_PROTOCOL,
  type WorkerMessage,
  workerMessage,
} from '../../shared/wire/task-messages.ts'
import type { Logger } from '../log.ts'
import { ConnectedWorker } from '../tasks/connected-worker.ts'
import type { TaskService } from '../tasks/task-service.ts'

export interface TaskProtocolInit {
  tasks: TaskService
  log: Logger
  now: () => number
  heartbeatMs: number
  leaseMs: number
  /** Protocol violations by problem; each also counts against the peer. */
  violations: Counter<'problem'>
  /** Messages by direction and type. */
  messages: Counter<'direction' | 'type'>
}

/** Protocol violations a peer may commit before its whole connection is closed. */
const MAX_STRIKES = 5

/**
 * The relay's side of `/mcpp/task/1.0.0`. A worker opens one stream, says hello,
 * and from then on receives assignments and sends results over it. A violation
 * (garbage, oversized frame, invalid message, anything before hello) resets that
 * stream and counts against the peer; a peer that keeps doing it is disconnected.
 */
export async function handleTaskProtocol(libp2p: Libp2p, init: TaskProtocolInit): Promise<void> {
  const strikes = new Map<string, number>()
  let sequence = 0
  const relayPeerId = libp2p.peerId.toString()
  await libp2p.handle(
    TASK_PROTOCOL,
    (stream, connection) => {
      const peerId = connection.remotePeer.toString()
      let worker: ConnectedWorker | undefined
      const channel = framedChannel<WorkerMessage, RelayMessage>(stream, {
        inbound: workerMessage,
        maxMessageBytes: MAX_TASK_MESSAGE_BYTES,
        onMessage: (message) => {
          init.messages.inc({ direction: 'in', type: message.type })
          if (worker === undefined) {
            if (message.type !== 'hello') return void channel.reset('the first message must be hello')
            worker = new ConnectedWorker(`${peerId}/${++sequence}`, peerId, message, link, init.now())
            void link
              .send({
                type: 'welcome',
                relayPeerId,
                workerId: worker.id,
                heartbeatMs: init.heartbeatMs,
                leaseMs: init.leaseMs,
                maxMessageBytes: MAX_TASK_MESSAGE_BYTES,
              })
              .catch(() => {})
            init.tasks.workerConnected(worker)
            init.log.info('worker connected', {
              workerId: worker.id,
              name: worker.name,
              kinds: message.kinds,
            })
            return
          }
          switch (message.type) {
            case 'results':
              return init.tasks.onResults(worker, message.results)
            case 'started':
              return init.tasks.onStarted(worker, message.tasks)
            case 'progress': {
              const { taskId, token, type: _type, ...progress } = message
              return init.tasks.onProgress(worker, taskId, token, progress)
            }
            case 'heartbeat':
              init.tasks.heartbeat(worker)
              return
            case 'bye':
              worker.draining = true
              return channel.close()
            case 'hello':
              return channel.reset('hello was already received')
          }
        },
        onClose: (error) => {
          if (worker === undefined) return
          init.tasks.workerDisconnected(worker.id, error ? `stream reset: ${error.message}` : 'stream closed')
          init.log.info('worker disconnected', { workerId: worker.id })
        },
        onInvalid: (problem, detail) => {
          init.violations.inc({ problem })
          const count = (strikes.get(peerId) ?? 0) + 1
          strikes.set(peerId, count)
          init.log.warn('task protocol violation', { peerId, problem, detail, strikes: count })
          if (count >= MAX_STRIKES) {
            void connection.close().catch(() => {})
            strikes.delete(peerId)
          }
        },
      })
      const link = {
        send: (message: RelayMessage) => {
          init.messages.inc({ direction: 'out', type: message.type })
          return channel.send(message)
        },
        close: () => channel.close(),
      }
    },
    { maxInboundStreams: 4 },
  )
}
