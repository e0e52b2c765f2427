import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { z } from 'zod'
import { framedChannel } from '../../shared/wire/framed-channel.ts'

/** One request/one reply protocol between relays (announce, forward). */
export interface RequestReplyProtocol<Reply> {
  protocol: string
  /** The reply's schema: anything else is an invalid answer. */
  reply: z.ZodType<Reply>
  maxReplyBytes: number
  /** How long the peer has to answer. */
  timeoutMs: number
}

/**
 * Requests in flight to one peer at most; the others wait their turn. A burst of new
 * streams on a fresh connection (a relay sending the results it kept for its owner the
 * moment a healed link is back) went past yamux's limit of 10 streams opened before
 * the other side has set the connection up (`maxEarlyStreams`): both muxers were
 * aborted and the connection stayed open, dead, with nothing redialling it.
 */
export const MAX_REQUESTS_PER_PEER = 6

/**
 * Sends one request to `peer` on a new stream of `spec.protocol` and waits for its one
 * reply. Rejects when the dial or stream fails, the stream is reset (the peer found the
 * frame malformed), it closes without an answer, or no answer comes in time (waiting
 * for a turn included).
 */
export async function requestReply<Request, Reply>(
  libp2p: Libp2p,
  peer: PeerId,
  spec: RequestReplyProtocol<Reply>,
  message: Request,
  options: { signal?: AbortSignal } = {},
): Promise<Reply> {
  const timeout = AbortSignal.timeout(spec.timeoutMs)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  const release = await turnOf(libp2p, peer.toString(), signal)
  try {
    return await exchange(libp2p, peer, spec, message, signal)
  } finally {
    release()
  }
}

async function exchange<Request, Reply>(
  libp2p: Libp2p,
  peer: PeerId,
  spec: RequestReplyProtocol<Reply>,
  message: Request,
  signal: AbortSignal,
): Promise<Reply> {
  let stream: Stream
  try {
    stream = await libp2p.dialProtocol(peer, spec.protocol, { signal })
  } catch (err) {
    // A connection libp2p holds open though its muxer closed takes every new stream and
    // fails it: it is dropped, so that the next request dials afresh.
    if ((err as Error).name === 'ConnectionClosedError') await libp2p.hangUp(peer).catch(() => {})
    throw err
  }
  return new Promise<Reply>((resolve, reject) => {
    let settled = false
    const settle = (outcome: { reply: Reply } | { error: Error }) => {
      if (settled) return
      settled = true
      signal.removeEventListener('abort', onAbort)
      if ('reply' in outcome) resolve(outcome.reply)
      else reject(outcome.error)
    }
    const channel = framedChannel<Reply, Request>(stream, {
      inbound: spec.reply,
      maxMessageBytes: spec.maxReplyBytes,
      onMessage: (reply) => {
        settle({ reply })
        channel.close()
      },
      onClose: (error) =>
        settle({ error: error ?? new Error('the peer closed the stream without answering') }),
      onInvalid: (problem, detail) => settle({ error: new Error(`invalid answer (${problem}: ${detail})`) }),
    })
    const onAbort = () => {
      const reason = signal.reason instanceof Error ? signal.reason : new Error('aborted')
      // Settled first: the reset closes the channel, whose error would hide the reason
      // (a TimeoutError tells the caller the peer did not answer: relay-directory.ts).
      settle({ error: reason })
      channel.reset(reason.message)
    }
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    channel.send(message).catch((err: Error) => settle({ error: err }))
  })
}

interface Turns {
  active: number
  waiting: Array<() => void>
}

/** Per node and peer (a node's own state, dropped with the node), the requests in flight and those waiting. */
const turnsOf = new WeakMap<Libp2p, Map<string, Turns>>()

/** Waits for a turn to send to `peer`; resolves with the function that ends it. */
async function turnOf(libp2p: Libp2p, peer: string, signal: AbortSignal): Promise<() => void> {
  const byPeer = turnsOf.get(libp2p) ?? new Map<string, Turns>()
  turnsOf.set(libp2p, byPeer)
  const t = byPeer.get(peer) ?? { active: 0, waiting: [] }
  byPeer.set(peer, t)
  const release = () => {
    // The turn passes to the next waiter as it is; with none, it ends.
    const next = t.waiting.shift()
    if (next !== undefined) return next()
    t.active--
    if (t.active === 0) byPeer.delete(peer)
  }
  if (t.active < MAX_REQUESTS_PER_PEER) {
    t.active++
    return release
  }
  signal.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const go = () => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }
    const onAbort = () => {
      t.waiting.splice(t.waiting.indexOf(go), 1)
      reject(signal.reason)
    }
    t.waiting.push(go)
    signal.addEventListener('abort', onAbort, { once: true })
  })
  return release
}
