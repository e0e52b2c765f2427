import type { Libp2p, PeerId } from '@libp2p/interface'
import {
  FORWARD_PROTOCOL,
  type ForwardFrame,
  type ForwardReply,
  forwardReply,
} from '../../shared/wire/forward-messages.ts'
import { framedChannel } from '../../shared/wire/framed-channel.ts'

/** How long a member relay has to answer one forward request. */
export const REPLY_TIMEOUT_MS = 10_000
/** A renew reply names up to 1,024 task ids of 128 characters. */
const MAX_REPLY_BYTES = 160 * 1024

/**
 * Sends one request of `/mcpp/forward/1.0.0` to `peer` on a new stream and waits for
 * its one reply. Rejects when the dial or stream fails, the stream is reset (the peer
 * found the frame malformed), it closes without an answer, or no answer comes in time.
 */
export async function forwardRequest(
  libp2p: Libp2p,
  peer: PeerId,
  message: ForwardFrame,
  options: { signal?: AbortSignal } = {},
): Promise<ForwardReply> {
  const timeout = AbortSignal.timeout(REPLY_TIMEOUT_MS)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  const stream = await libp2p.dialProtocol(peer, FORWARD_PROTOCOL, { signal })
  return new Promise<ForwardReply>((resolve, reject) => {
    let settled = false
    const settle = (outcome: { reply: ForwardReply } | { error: Error }) => {
      if (settled) return
      settled = true
      signal.removeEventListener('abort', onAbort)
      if ('reply' in outcome) resolve(outcome.reply)
      else reject(outcome.error)
    }
    const channel = framedChannel<ForwardReply, ForwardFrame>(stream, {
      inbound: forwardReply,
      maxMessageBytes: MAX_REPLY_BYTES,
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
      channel.reset(reason.message)
      settle({ error: reason })
    }
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    channel.send(message).catch((err: Error) => settle({ error: err }))
  })
}
