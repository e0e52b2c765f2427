import type { Libp2p, Stream } from '@libp2p/interface'
import {
  FORWARD_PROTOCOL,
  type ForwardEnvelope,
  type ForwardReply,
  type ForwardReplyEnvelope,
  type ForwardRequest,
  forwardEnvelope,
  MAX_FORWARD_MESSAGE_BYTES,
  MAX_OPEN_FORWARD_REQUESTS,
} from '../../shared/wire/forward-messages.ts'
import { encodeFrame } from '../../shared/wire/frame-decoder.ts'
import { framedChannel } from '../../shared/wire/framed-channel.ts'

export interface ForwardHandlerInit {
  isMember(peerId: string): boolean
  /** Answers one well-formed request from a member. */
  answer(peerId: string, request: ForwardRequest): ForwardReply | Promise<ForwardReply>
  /** A request or stream refused: not a member, a malformed frame, too many requests open. */
  refused(peerId: string, reason: string, detail: string): void
}

/**
 * A member's stream may stay open between requests (forward-sessions.ts closes it after
 * a minute without any); one silent for longer than this is reset.
 */
const IDLE_TIMEOUT_MS = 120_000
const encoder = new TextEncoder()

/**
 * Serves `/mcpp/forward/2.0.0`: many requests per stream, each answered once under its
 * request id. A peer that is not a configured member relay is refused before a byte of
 * its frames is read (its PeerId is proven by noise); a member's frames are validated
 * against the bounded schema (a violation resets the stream), and a member that keeps
 * more than MAX_OPEN_FORWARD_REQUESTS waiting is cut off.
 */
export async function handleForwarding(libp2p: Libp2p, init: ForwardHandlerInit): Promise<void> {
  await libp2p.handle(
    FORWARD_PROTOCOL,
    (stream, connection) => {
      const peerId = connection.remotePeer.toString()
      stream.inactivityTimeout = IDLE_TIMEOUT_MS
      if (!init.isMember(peerId)) {
        init.refused(peerId, 'not_member', 'not a configured member relay')
        refuseUnread(stream, { rid: 0, reply: { type: 'refused', reason: 'not_member' } })
        return
      }
      let open = 0
      const channel = framedChannel<ForwardEnvelope, ForwardReplyEnvelope>(stream, {
        inbound: forwardEnvelope,
        maxMessageBytes: MAX_FORWARD_MESSAGE_BYTES,
        onMessage: ({ rid, request }) => {
          if (++open > MAX_OPEN_FORWARD_REQUESTS) {
            const detail = `more than ${MAX_OPEN_FORWARD_REQUESTS} requests waiting for their answers`
            init.refused(peerId, 'too_many_requests', detail)
            return channel.reset(detail)
          }
          Promise.resolve()
            .then(() => init.answer(peerId, request))
            .then((reply) => channel.send({ rid, reply }))
            .catch((err: Error) => channel.reset(err.message))
            .finally(() => open--)
        },
        onInvalid: (problem, detail) => init.refused(peerId, problem, detail),
      })
    },
    { maxInboundStreams: 16 },
  )
}

/** Answers without reading (as the announce protocol does): the peer's bytes are never parsed. */
function refuseUnread(stream: Stream, reply: ForwardReplyEnvelope): void {
  try {
    stream.send(encodeFrame(encoder.encode(JSON.stringify(reply))))
    stream.close().catch((err: Error) => stream.abort(err))
  } catch (err) {
    stream.abort(err as Error)
  }
}
