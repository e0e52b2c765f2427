import type { Libp2p, Stream } from '@libp2p/interface'
import { Counter, type Registry } from 'prom-client'
import {
  ANNOUNCE_PROTOCOL,
  type AnnounceReply,
  type CapacityMessage,
  capacityMessage,
  checkAnnouncement,
  MAX_ANNOUNCE_BYTES,
  REFUSAL_REASONS,
} from '../../shared/wire/announce-messages.ts'
import { encodeFrame } from '../../shared/wire/frame-decoder.ts'
import { type ChannelProblem, framedChannel } from '../../shared/wire/framed-channel.ts'
import type { Logger } from '../log.ts'

export interface AnnounceHandlerInit {
  isMember(peerId: string): boolean
  /** A member's announcement that passed every check. */
  accept(peerId: string, message: CapacityMessage): void
  log: Logger
  now: () => number
  registry: Registry
}

/** A member has this long to send its one frame; a silent stream is reset. */
const READ_TIMEOUT_MS = 10_000
/** Refusals are logged at most once per peer and reason in this window (they are all counted). */
const LOG_EVERY_MS = 60_000
const MAX_LOG_KEYS = 1024
const CHANNEL_PROBLEMS: readonly ChannelProblem[] = ['oversized', 'bad_length', 'not_json', 'invalid_message']

const encoder = new TextEncoder()

/**
 * Serves `/mcpp/announce/1.0.0`. A peer that is not a configured member is refused
 * before a byte of its frame is read (its PeerId is proven by noise); a member's
 * frame is validated (bounded schema, then `checkAnnouncement`) and answered with
 * `accepted` or `refused`. A refused announcement never reaches the directory; every
 * refusal is counted in `mcpp_relay_announcements_refused_total{reason}` and logged.
 */
export async function handleAnnouncements(libp2p: Libp2p, init: AnnounceHandlerInit): Promise<void> {
  const refusedTotal = new Counter({
    name: 'mcpp_relay_announcements_refused_total',
    help: 'Relay capacity announcements refused, by reason (not_member, or what was wrong with a member’s frame)',
    labelNames: ['reason'],
    registers: [init.registry],
  })
  const acceptedTotal = new Counter({
    name: 'mcpp_relay_announcements_accepted_total',
    help: 'Capacity announcements accepted from member relays',
    registers: [init.registry],
  })
  for (const reason of [...REFUSAL_REASONS, ...CHANNEL_PROBLEMS]) refusedTotal.inc({ reason }, 0)

  const lastLogged = new Map<string, number>()
  const refused = (peerId: string, reason: string, detail: string) => {
    refusedTotal.inc({ reason })
    const key = `${peerId} ${reason}`
    const now = init.now()
    if (now - (lastLogged.get(key) ?? Number.NEGATIVE_INFINITY) < LOG_EVERY_MS) return
    if (lastLogged.size >= MAX_LOG_KEYS) lastLogged.clear()
    lastLogged.set(key, now)
    init.log.warn('relay announcement refused', { peerId, reason, detail })
  }

  await libp2p.handle(
    ANNOUNCE_PROTOCOL,
    (stream, connection) => {
      const peerId = connection.remotePeer.toString()
      stream.inactivityTimeout = READ_TIMEOUT_MS
      if (!init.isMember(peerId)) {
        refused(peerId, 'not_member', 'not a configured member relay')
        refuseUnread(stream, { type: 'refused', reason: 'not_member' })
        return
      }
      let answered = false
      const channel = framedChannel<CapacityMessage, AnnounceReply>(stream, {
        inbound: capacityMessage,
        maxMessageBytes: MAX_ANNOUNCE_BYTES,
        onMessage: (message) => {
          // One announcement per stream; anything after it is ignored.
          if (answered) return
          answered = true
          const check = checkAnnouncement(message, peerId)
          let reply: AnnounceReply = { type: 'accepted' }
          if (check.ok) {
            init.accept(peerId, message)
            acceptedTotal.inc()
          } else {
            refused(peerId, check.reason, check.detail)
            reply = { type: 'refused', reason: check.reason, detail: check.detail }
          }
          channel
            .send(reply)
            .then(() => channel.close())
            .catch((err: Error) => channel.reset(err.message))
        },
        onInvalid: (problem, detail) => refused(peerId, problem, detail),
      })
    },
    { maxInboundStreams: 8 },
  )
}

/**
 * Answers without reading: no `message` listener is attached, so the peer's bytes are
 * never parsed (libp2p resets the stream if they pile up), and the write side is closed
 * after the refusal frame.
 */
function refuseUnread(stream: Stream, reply: AnnounceReply): void {
  try {
    stream.send(encodeFrame(encoder.encode(JSON.stringify(reply))))
    stream.close().catch((err: Error) => stream.abort(err))
  } catch (err) {
    stream.abort(err as Error)
  }
}
