import type { Libp2p, PeerId } from '@libp2p/interface'
import {
  ANNOUNCE_PROTOCOL,
  type AnnounceReply,
  announceReply,
  type CapacityMessage,
} from '../../shared/wire/announce-messages.ts'
import { requestReply } from './request-reply.ts'

const ANNOUNCE = {
  protocol: ANNOUNCE_PROTOCOL,
  reply: announceReply,
  maxReplyBytes: 4 * 1024,
  // How long a member relay has to answer an announcement.
  timeoutMs: 10_000,
}

/** Sends one capacity announcement to `peer` and waits for its `accepted` or `refused`. */
export function sendAnnouncement(
  libp2p: Libp2p,
  peer: PeerId,
  message: CapacityMessage,
  options: { signal?: AbortSignal } = {},
): Promise<AnnounceReply> {
  return requestReply(libp2p, peer, ANNOUNCE, message, options)
}
