import type { Libp2p, PeerId } from '@libp2p/interface'
import {
  FORWARD_PROTOCOL,
  type ForwardFrame,
  type ForwardReply,
  forwardReply,
} from '../../shared/wire/forward-messages.ts'
import { requestReply } from '../p2p/request-reply.ts'

/** How long a member relay has to answer one forward request. */
export const REPLY_TIMEOUT_MS = 10_000

const FORWARD = {
  protocol: FORWARD_PROTOCOL,
  reply: forwardReply,
  // A renew reply names up to 1,024 task ids of 128 characters.
  maxReplyBytes: 160 * 1024,
  timeoutMs: REPLY_TIMEOUT_MS,
}

/**
 * Sends one request of `/mcpp/forward/1.0.0` to `peer` and waits for its one reply,
 * for REPLY_TIMEOUT_MS or `timeoutMs` (an offer whose input the member fetches first).
 */
export function forwardRequest(
  libp2p: Libp2p,
  peer: PeerId,
  message: ForwardFrame,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<ForwardReply> {
  const { timeoutMs = REPLY_TIMEOUT_MS, ...rest } = options
  return requestReply(libp2p, peer, { ...FORWARD, timeoutMs }, message, rest)
}
