import type { Libp2p, PrivateKey, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { type FramedChannel, framedChannel } from '../shared/wire/framed-channel.ts'
import {
  type HelloMessage,
  MAX_TASK_MESSAGE_BYTES,
  type RelayMessage,
  relayMessage,
  TASK_PROTOCOL,
  type WorkerFrame,
} from '../shared/wire/task-messages.ts'
import { createWorkerNode } from '../worker/core/create-worker-node.ts'
import { resolveRelay } from '../worker/core/relay-address.ts'

/**
 * A hand-driven worker for protocol tests: a real libp2p node and stream, but the test
 * decides what to send and when (including garbage and results it should not send).
 */
export interface FakeWorker {
  node: Libp2p
  address: string
  open(): Promise<FakeStream>
  stop(): Promise<void>
}

export interface FakeStream {
  stream: Stream
  channel: FramedChannel<WorkerFrame>
  /** Resolves with the next relay message of this type. */
  next<T extends RelayMessage['type']>(type: T): Promise<Extract<RelayMessage, { type: T }>>
  /** Resolves when the stream closes, with the error if it was reset. */
  closed: Promise<Error | undefined>
  hello(overrides?: Partial<HelloMessage>): Promise<Extract<RelayMessage, { type: 'welcome' }>>
  /** Sends a hello and waits for nothing (for hellos the relay should refuse). */
  sendHello(overrides?: Partial<HelloMessage>): Promise<void>
}

export async function fakeWorker(
  relayUrl: string,
  /** `address`: dial this multiaddr instead of the one the relay announces. */
  options: { privateKey?: PrivateKey; address?: string } = {},
): Promise<FakeWorker> {
  const address = options.address ?? (await resolveRelay(relayUrl))
  const node = await createWorkerNode(options)
  return {
    node,
    address,
    open: async () => {
      const stream = await node.dialProtocol(multiaddr(address), TASK_PROTOCOL)
      const received: RelayMessage[] = []
      const waiting: Array<() => void> = []
      let onClosed: (e: Error | undefined) => void = () => {}
      const closed = new Promise<Error | undefined>((resolve) => {
        onClosed = resolve
      })
      const channel = framedChannel<RelayMessage, WorkerFrame>(stream, {
        inbound: relayMessage,
        maxMessageBytes: MAX_TASK_MESSAGE_BYTES,
        onMessage: (m) => {
          received.push(m)
          for (const w of waiting.splice(0)) w()
        },
        onClose: (e) => onClosed(e),
      })
      const next = <T extends RelayMessage['type']>(type: T) =>
        new Promise<Extract<RelayMessage, { type: T }>>((resolve) => {
          const check = () => {
            const index = received.findIndex((m) => m.type === type)
            if (index === -1) return waiting.push(check)
            resolve(received.splice(index, 1)[0] as Extract<RelayMessage, { type: T }>)
          }
          check()
        })
      const sendHello = (overrides: Partial<HelloMessage> = {}) =>
        channel.send({
          type: 'hello',
          version: 1,
          name: 'fake',
          kinds: ['echo'],
          capabilities: [],
          concurrency: 1,
          ...overrides,
        })
      return {
        stream,
        channel,
        next,
        closed,
        sendHello,
        hello: async (overrides = {}) => {
          await sendHello(overrides)
          return next('welcome')
        },
      }
    },
    stop: async () => {
      await node.stop()
    },
  }
}

/**
 * What a scripted worker answers for one assigned task: an output, a failure with any
 * code it likes (a worker may send codes the relay does not declare), or nothing (it stalls).
 */
export type Answer =
  | { output: unknown }
  | { error: { code: string; message: string }; retryable: boolean }
  | { stall: true }

/**
 * Says hello and answers every assignment with `answer` until the stream closes: an
 * honest worker, a liar or a staller, as the test scripts it.
 */
export async function scriptedWorker(
  fake: FakeWorker,
  answer: (task: { taskId: string; kind: string; input?: unknown }) => Answer,
  hello: Partial<HelloMessage> = {},
): Promise<FakeStream & { assigned: string[] }> {
  const s = await fake.open()
  const assigned: string[] = []
  await s.hello({ concurrency: 4, kinds: ['echo', 'sha256', 'embed'], ...hello })
  void (async () => {
    for (;;) {
      const message = await Promise.race([s.next('assign'), s.closed.then(() => null)])
      if (message === null) return
      const results = []
      for (const task of message.tasks) {
        assigned.push(task.taskId)
        const a = answer(task)
        if ('stall' in a) continue
        const base = { taskId: task.taskId, token: task.token, durationMs: 1 }
        results.push(
          'error' in a
            ? { ...base, ok: false as const, error: a.error, retryable: a.retryable }
            : { ...base, ok: true as const, output: a.output },
        )
      }
      if (results.length > 0) await s.channel.send({ type: 'results', results }).catch(() => {})
    }
  })()
  return Object.assign(s, { assigned })
}

/** Answers: each task fails once (retryable), then echoes its input on the next attempt. */
export function failOnceThenEcho(): (task: { taskId: string; input?: unknown }) => Answer {
  const seen = new Set<string>()
  return (task) => {
    if (seen.has(task.taskId)) return { output: task.input }
    seen.add(task.taskId)
    return { error: { code: 'TASK_FAILED', message: 'flaky the first time' }, retryable: true }
  }
}
