import type { Libp2p } from '@libp2p/interface'
import { type AdmissionPolicy, decideAdmission } from '../../shared/trust/admission.ts'
import { framedChannel } from '../../shared/wire/framed-channel.ts'
import {
  MAX_TASK_MESSAGE_BYTES,
  type RelayMessage,
  TASK_PROTOCOL,
  type WorkerMessage,
  workerMessage,
} from '../../shared/wire/task-messages.ts'
import type { Logger } from '../log.ts'
import { FullDiskGuard } from '../storage/full-disk-guard.ts'
import { ConnectedWorker, type WorkerSide } from '../task-queue/index.ts'

export interface TaskProtocolInit {
  /** The task queue's worker side (TaskService.workerSide): events, strikes, metrics. */
  tasks: WorkerSide
  log: Logger
  /** Who may become a worker (checked before the worker is sent anything). */
  admission: AdmissionPolicy
  /** Digest of a join token as the admission policy lists them. */
  digest: (token: string) => string
  /** The other member relays' addresses for a worker to fall back to (sent in welcome). */
  relays?: () => string[]
}

/**
 * The relay's side of `/mcpp/task/1.0.0`. A worker opens one stream, says hello,
 * and from then on receives assignments and sends results over it. Admission is
 * decided on hello, before the worker is sent anything. A violation (garbage,
 * oversized frame, invalid message, anything before hello, a refused admission) resets
 * that stream and is a strike against the PeerId, kept across reconnects; enough
 * strikes ban the peer for a while (the connection gater then refuses it).
 */
export async function handleTaskProtocol(libp2p: Libp2p, init: TaskProtocolInit): Promise<TaskProtocol> {
  let sequence = 0
  // A worker's message that the queue cannot record on a full disk is dropped, not fatal:
  // a result not recorded runs again once its lease runs out (issue 16).
  const fullDisk = new FullDiskGuard(init.log)
  /** Each welcomed worker's way to learn the relay list again when it changed. */
  const rewelcome = new Set<(relays: string[], joined: string) => void>()
  const relayPeerId = libp2p.peerId.toString()
  await libp2p.handle(
    TASK_PROTOCOL,
    (stream, connection) => {
      const peerId = connection.remotePeer.toString()
      let worker: ConnectedWorker | undefined
      /** The relay list this worker was last sent, to send it again when it changes. */
      let sentRelays = ''
      const channel = framedChannel<WorkerMessage, RelayMessage>(stream, {
        inbound: workerMessage,
        maxMessageBytes: MAX_TASK_MESSAGE_BYTES,
        onMessage: (message) =>
          fullDisk.run('a message from a worker', () => {
            init.tasks.countMessage('in', message.type)
            if (worker === undefined) {
              if (message.type !== 'hello') return void strike('before_hello', `${message.type} before hello`)
              if (init.tasks.isBanned(peerId)) return void refuse('this peer is banned for a while')
              const admitted = decideAdmission(init.admission, {
                peerId,
                joinTokenDigest: message.joinToken === undefined ? undefined : init.digest(message.joinToken),
              })
              if (!admitted.ok) return void refuse(admitted.reason)
              worker = new ConnectedWorker(
                `${peerId}/${++sequence}`,
                peerId,
                message,
                link,
                init.tasks.now(),
                admitted.workerClass,
              )
              welcome(worker)
              rewelcome.add(refreshRelays)
              init.tasks.workerConnected(worker)
              init.log.info('worker connected', {
                workerId: worker.id,
                name: worker.name,
                kinds: message.kinds,
                class: worker.workerClass,
              })
              return
            }
            switch (message.type) {
              case 'results':
                return init.tasks.onResults(worker, message.results)
              case 'capacity':
                return init.tasks.onCapacity(worker, message.concurrency, message.prefetch)
              case 'started':
                return init.tasks.onStarted(worker, message.tasks)
              case 'progress': {
                const { taskId, token, type: _type, ...progress } = message
                return init.tasks.onProgress(worker, taskId, token, progress)
              }
              case 'heartbeat':
                return void init.tasks.heartbeat(worker)
              case 'bye':
                worker.draining = true
                return channel.close()
              case 'hello':
                return strike('duplicate_hello', 'hello was already received')
            }
          }),
        onClose: (error) =>
          fullDisk.run('a worker leaving', () => {
            rewelcome.delete(refreshRelays)
            if (worker === undefined) return
            init.tasks.workerDisconnected(
              worker.id,
              error ? `stream reset: ${error.message}` : 'stream closed',
            )
            init.log.info('worker disconnected', { workerId: worker.id })
          }),
        onInvalid: (problem, detail) => count(problem, detail),
      })
      /** Counts a violation against the peer; a ban closes its connection (the gater keeps it out). */
      const count = (problem: string, detail: string) => {
        const { standing, ban } = init.tasks.violation(peerId, problem)
        init.log.warn('task protocol violation', { peerId, problem, detail, strikes: standing.strikes })
        if (ban) void connection.close().catch(() => {})
      }
      const strike = (problem: string, detail: string) => {
        count(problem, detail)
        channel.reset(detail)
      }
      /** Admission refused: the worker is told why, then the stream closes. */
      const refuse = (reason: string) => {
        count('admission_refused', reason)
        void channel
          .send({ type: 'error', code: 'ADMISSION_REFUSED', message: reason })
          .catch(() => {})
          .finally(() => channel.close())
      }
      const welcome = (to: ConnectedWorker, relays = init.relays?.() ?? []) => {
        sentRelays = relays.join(' ')
        void link
          .send({
            type: 'welcome',
            relayPeerId,
            workerId: to.id,
            ...init.tasks.timing,
            maxMessageBytes: MAX_TASK_MESSAGE_BYTES,
            ...(relays.length === 0 ? {} : { relays }),
          })
          .catch(() => {})
      }
      /** Member relays heard from since the last welcome: the worker learns them (welcome again). */
      const refreshRelays = (relays: string[], joined: string) => {
        if (worker !== undefined && joined !== sentRelays) welcome(worker, relays)
      }
      const link = {
        send: (message: RelayMessage) => {
          init.tasks.countMessage('out', message.type)
          return channel.send(message)
        },
        close: () => channel.close(),
        reset: (reason: string) => channel.reset(reason),
      }
    },
    { maxInboundStreams: 4 },
  )
  return {
    refreshRelays: () => {
      const relays = init.relays?.() ?? []
      const joined = relays.join(' ')
      for (const refresh of rewelcome) refresh(relays, joined)
    },
  }
}

export interface TaskProtocol {
  /**
   * Sends `welcome` again to every worker whose relay list is out of date. Called on a
   * timer (start-p2p.ts) rather than on each heartbeat: idle workers send few of those.
   */
  refreshRelays(): void
}
