import type { Libp2p, Stream } from '@libp2p/interface'
import {
  FORWARD_PROTOCOL,
  type ForwardReply,
  type ForwardRequest,
  forwardRequest,
  MAX_FORWARD_MESSAGE_BYTES,
} from '../../shared/wire/forward-messages.ts'
import { encodeFrame } from '../../shared/wire/frame-decoder.ts'
import { framedChannel } from '../../shared/wire/framed-channel.ts'

export interface ForwardHandlerInit {
  isMember(peerId: string): boolean
  /** Answers one well-formed request from a member. */
  answer(peerId: string, request: ForwardRequest): ForwardReply | Promise<ForwardReply>
  /** A request refused before it was answered: not a member, or a malformed frame. */
  refused(peerId: string, reason: string, detail: string): void
}

/** A member has this long to send its one frame; a silent stream is reset. */
const READ_TIMEOUT_MS = 10_000
const encoder = new TextEncoder()

/**
 * Serves `/mcpp/forward/1.0.0`: one request per stream, one reply. A peer that is not
 * a configured member relay is refused before a byte of its frame is read (its PeerId
 * is proven by noise); a member's frame is validated against the bounded schema (a
 * violation resets the stream) and answered.
 */
export async function handleForwarding(libp2p: Libp2p, init: ForwardHandlerInit): Promise<void> {
  await libp2p.handle(
    FORWARD_PROTOCOL,
    (stream, connection) => {
      const peerId = connection.remotePeer.toString()
      stream.inactivityTimeout = READ_TIMEOUT_MS
      if (!init.isMember(peerId)) {
        init.refused(peerId, 'not_member', 'not a configured member relay')
        refuseUnread(stream, { type: 'refused', reason: 'not_member' })
        return
      }
      let answered = false
      const channel = framedChannel<ForwardRequest, ForwardReply>(stream, {
        inbound: forwardRequest,
        maxMessageBytes: MAX_FORWARD_MESSAGE_BYTES,
        onMessage: (request) => {
          // One request per stream; anything after it is ignored.
          if (answered) return
          answered = true
          Promise.resolve()
            .then(() => init.answer(peerId, request))
            .then((reply) => channel.send(reply))
            .then(() => channel.close())
            .catch((err: Error) => channel.reset(err.message))
        },
        onInvalid: (problem, detail) => init.refused(peerId, problem, detail),
      })
    },
    { maxInboundStreams: 64 },
  )
}

/** Answers without reading (as the announce protocol does): the peer's bytes are never parsed. */
function refuseUnread(stream: Stream, reply: ForwardReply): void {
  try {
    stream.send(encodeFrame(encoder.encode(JSON.stringify(reply))))
    stream.close().catch((err: Error) => stream.abort(err))
  } catch (err) {
    stream.abort(err as Error)
  }
}
