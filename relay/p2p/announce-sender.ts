import type { Libp2p, PeerId } from '@libp2p/interface'
import {
  ANNOUNCE_PROTOCOL,
  type AnnounceReply,
  announceReply,
  type CapacityMessage,
} from '../../shared/wire/announce-messages.ts'
import { framedChannel } from '../../shared/wire/framed-channel.ts'

/** How long a member relay has to answer an announcement. */
const REPLY_TIMEOUT_MS = 10_000
const MAX_REPLY_BYTES = 4 * 1024

/**
 * Sends one capacity announcement to `peer` and waits for its `accepted` or
 * `refused`. Rejects when the stream fails, is reset (the peer found the frame
 * malformed) or closes without an answer, or when no answer comes in time.
 */
export async function sendAnnouncement(
  libp2p: Libp2p,
  peer: PeerId,
  message: CapacityMessage,
  options: { signal?: AbortSignal } = {},
): Promise<AnnounceReply> {
  const timeout = AbortSignal.timeout(REPLY_TIMEOUT_MS)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  const stream = await libp2p.dialProtocol(peer, ANNOUNCE_PROTOCOL, { signal })
  return new Promise<AnnounceReply>((resolve, reject) => {
    let settled = false
    const settle = (outcome: { reply: AnnounceReply } | { error: Error }) => {
      if (settled) return
      settled = true
      signal.removeEventListener('abort', onAbort)
      if ('reply' in outcome) resolve(outcome.reply)
      else reject(outcome.error)
    }
    const channel = framedChannel<AnnounceReply, CapacityMessage>(stream, {
      inbound: announceReply,
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
