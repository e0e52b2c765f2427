import type { Libp2p, PeerId } from '@libp2p/interface'
import {
  FORWARD_PROTOCOL,
  type ForwardFrame,
  type ForwardReply,
  type ForwardReplyEnvelope,
  forwardReplyEnvelope,
  MAX_OPEN_FORWARD_REQUESTS,
} from '../../shared/wire/forward-messages.ts'
import { type FramedChannel, framedChannel } from '../../shared/wire/framed-channel.ts'
import { dialProtocol } from '../p2p/dial-protocol.ts'

/** How long a member relay has to answer one forward request. */
export const REPLY_TIMEOUT_MS = 10_000
/** A stream with nothing waiting for this long is closed; the next request opens another. */
const IDLE_CLOSE_MS = 60_000
/** A renew reply names up to 1,024 task ids of 128 characters. */
const MAX_REPLY_BYTES = 160 * 1024

export interface ForwardRequestOptions {
  signal?: AbortSignal
  /** REPLY_TIMEOUT_MS unless given (an offer whose input the member fetches first waits longer). */
  timeoutMs?: number
}

type Outbound = { rid: number; request: ForwardFrame }

interface Waiting {
  resolve(reply: ForwardReply): void
  reject(error: Error): void
}

/**
 * The requesting side of `/mcpp/forward/2.0.0`: one long-lived stream per member relay,
 * opened on the first request and shared by every request after it, each answered
 * under its request id. A stream that closes or breaks fails the requests waiting on
 * it, and the next request opens a new one. A request that is not answered in time
 * fails alone (TimeoutError); its late answer is ignored.
 */
export class ForwardSessions {
  readonly #libp2p: Libp2p
  readonly #sessions = new Map<string, ForwardSession>()

  constructor(libp2p: Libp2p) {
    this.#libp2p = libp2p
  }

  request(peer: PeerId, request: ForwardFrame, options: ForwardRequestOptions = {}): Promise<ForwardReply> {
    const key = peer.toString()
    let session = this.#sessions.get(key)
    if (session === undefined || session.closed) {
      const opened = new ForwardSession(this.#libp2p, peer, () => {
        if (this.#sessions.get(key) === opened) this.#sessions.delete(key)
      })
      session = opened
      this.#sessions.set(key, session)
    }
    return session.request(request, options)
  }

  /** Closes every stream; the requests waiting on them fail. */
  close(): void {
    for (const session of [...this.#sessions.values()]) session.close()
    this.#sessions.clear()
  }
}

class ForwardSession {
  readonly #waiting = new Map<number, Waiting>()
  readonly #channel: Promise<FramedChannel<Outbound>>
  readonly #onClosed: () => void
  #nextRid = 1
  #idle: ReturnType<typeof setTimeout> | undefined
  closed = false

  constructor(libp2p: Libp2p, peer: PeerId, onClosed: () => void) {
    this.#onClosed = onClosed
    this.#channel = dialProtocol(libp2p, peer, FORWARD_PROTOCOL, {
      signal: AbortSignal.timeout(REPLY_TIMEOUT_MS),
    }).then((stream) =>
      framedChannel<ForwardReplyEnvelope, Outbound>(stream, {
        inbound: forwardReplyEnvelope,
        maxMessageBytes: MAX_REPLY_BYTES,
        onMessage: (envelope) => this.#answered(envelope),
        onClose: (error) => this.#end(error ?? new Error('the member relay closed the forward stream')),
        onInvalid: (problem, detail) => this.#end(new Error(`invalid answer (${problem}: ${detail})`)),
      }),
    )
    // A failed dial fails the requests waiting for it (each sees the rejection) and ends the session.
    this.#channel.catch((err: Error) => this.#end(err))
  }

  async request(request: ForwardFrame, options: ForwardRequestOptions): Promise<ForwardReply> {
    options.signal?.throwIfAborted()
    if (this.#waiting.size >= MAX_OPEN_FORWARD_REQUESTS)
      throw new Error(`${MAX_OPEN_FORWARD_REQUESTS} forward requests already wait for this member's answers`)
    const rid = this.#nextRid++
    clearTimeout(this.#idle)
    const timeout = AbortSignal.timeout(options.timeoutMs ?? REPLY_TIMEOUT_MS)
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
    const answered = new Promise<ForwardReply>((resolve, reject) => {
      const onAbort = () => this.#settle(rid, { error: signal.reason as Error })
      signal.addEventListener('abort', onAbort, { once: true })
      this.#waiting.set(rid, {
        resolve: (reply) => {
          signal.removeEventListener('abort', onAbort)
          resolve(reply)
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort)
          reject(error)
        },
      })
    })
    try {
      const channel = await this.#channel
      await channel.send({ rid, request })
    } catch (err) {
      // No dial, or a stream that broke (its close event may still be on its way): the
      // session is over, and the next request opens a new stream.
      this.#settle(rid, { error: err as Error })
      this.#end(err as Error)
    }
    return answered
  }

  close(): void {
    void this.#channel.then((c) => c.close()).catch(() => {})
    this.#end(new Error('the forward stream was closed'))
  }

  #answered({ rid, reply }: ForwardReplyEnvelope): void {
    if (rid !== 0) {
      this.#settle(rid, { reply })
      return
    }
    // The whole stream was answered: a refusal before anything was read, which every
    // request gets. Anything else under rid 0 would answer requests it never read.
    if (reply.type !== 'refused') {
      this.#fail(new Error('invalid answer: rid 0 can only refuse'))
      return
    }
    for (const id of [...this.#waiting.keys()]) this.#settle(id, { reply })
    this.close()
  }

  #fail(error: Error): void {
    void this.#channel.then((c) => c.reset(error.message)).catch(() => {})
    this.#end(error)
  }

  #settle(rid: number, outcome: { reply: ForwardReply } | { error: Error }): void {
    const waiting = this.#waiting.get(rid)
    if (waiting === undefined) return
    this.#waiting.delete(rid)
    if ('reply' in outcome) waiting.resolve(outcome.reply)
    else waiting.reject(outcome.error)
    if (this.#waiting.size === 0 && !this.closed) {
      this.#idle = setTimeout(() => this.close(), IDLE_CLOSE_MS)
      this.#idle.unref?.()
    }
  }

  #end(error: Error): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.#idle)
    this.#onClosed()
    for (const id of [...this.#waiting.keys()]) this.#settle(id, { error })
  }
}
