import type { Libp2p, PeerId } from '@libp2p/interface'
import type { z } from 'zod'
import { framedChannel } from '../../shared/wire/framed-channel.ts'
import { dialProtocol } from './dial-protocol.ts'

/** One request/one reply protocol between relays (capacity announcements). */
export interface RequestReplyProtocol<Reply> {
  protocol: string
  /** The reply's schema: anything else is an invalid answer. */
  reply: z.ZodType<Reply>
  maxReplyBytes: number
  /** How long the peer has to answer. */
  timeoutMs: number
}

/**
 * Sends one request to `peer` on a new stream of `spec.protocol` and waits for its one
 * reply. Rejects when the dial or stream fails, the stream is reset (the peer found the
 * frame malformed), it closes without an answer, or no answer comes in time.
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
  const stream = await dialProtocol(libp2p, peer, spec.protocol, { signal })
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
