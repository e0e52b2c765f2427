import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { jsonDeeperThan, MAX_WIRE_JSON_DEPTH } from '../json-depth.ts'
import { encodeFrame, FrameDecoder, type FrameProblem } from './frame-decoder.ts'

export type ChannelProblem = FrameProblem | 'not_json' | 'too_deep' | 'invalid_message'

/**
 * What the channel validates arrivals with: any zod schema, full (the relay-to-relay
 * protocols) or `zod/mini` (the task protocol, which the browser worker loads), since
 * both have this `safeParse`.
 */
export interface InboundSchema<In> {
  safeParse(
    data: unknown,
  ):
    | { success: true; data: In }
    | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } }
}

export interface FramedChannelInit<In> {
  inbound: InboundSchema<In>
  maxMessageBytes: number
  onMessage(message: In): void
  /** Called once when the stream is finished, with the error if it was reset. */
  onClose?(error?: Error): void
  /** A frame broke the protocol; the stream has been reset. */
  onInvalid?(problem: ChannelProblem, detail: string): void
}

export interface FramedChannel<Out> {
  /** Sends one message, waiting for the stream to drain when its buffer is full. */
  send(message: Out): Promise<void>
  /** Closes gracefully (buffered data is still sent). */
  close(): void
  /** Resets the stream. */
  reset(reason: string): void
  readonly open: boolean
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export class ProtocolViolation extends Error {
  readonly problem: ChannelProblem
  constructor(problem: ChannelProblem, detail: string) {
    super(`${problem}: ${detail}`)
    this.name = 'ProtocolViolation'
    this.problem = problem
  }
}

/**
 * Length-prefixed JSON messages over one libp2p v3 stream, validated on arrival.
 * Anything that breaks the protocol (an oversized or malformed frame, bytes that are
 * not UTF-8 JSON, a message the schema refuses) resets this stream only and is
 * reported through `onInvalid`; the connection and other streams are unaffected.
 */
export function framedChannel<In, Out>(stream: Stream, init: FramedChannelInit<In>): FramedChannel<Out> {
  const frames = new FrameDecoder(init.maxMessageBytes)
  let open = true

  const violate = (problem: ChannelProblem, detail: string) => {
    if (!open) return
    init.onInvalid?.(problem, detail)
    stream.abort(new ProtocolViolation(problem, detail))
  }

  stream.addEventListener('message', (event) => {
    if (!open) return
    const decoded = frames.push(event.data as Uint8Array | Uint8ArrayList)
    if (!decoded.ok) return violate(decoded.problem, decoded.detail)
    for (const frame of decoded.frames) {
      let json: unknown
      try {
        const text = decoder.decode(frame)
        if (jsonDeeperThan(text, MAX_WIRE_JSON_DEPTH)) {
          return violate('too_deep', `JSON nested deeper than ${MAX_WIRE_JSON_DEPTH} levels`)
        }
        json = JSON.parse(text)
      } catch (err) {
        return violate('not_json', (err as Error).message)
      }
      const parsed = init.inbound.safeParse(json)
      if (!parsed.success) {
        const where = parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.map(String).join('.') || '(message)'}: ${i.message}`)
          .join('; ')
        return violate('invalid_message', where)
      }
      init.onMessage(parsed.data)
      if (!open) return
    }
  })

  // The peer is done sending: nothing more can arrive, so finish our side as well
  // (otherwise a half-closed stream would stay open until it idles out).
  stream.addEventListener('remoteCloseWrite', () => {
    if (open) void stream.close().catch((err: Error) => stream.abort(err))
  })

  stream.addEventListener('close', (event) => {
    open = false
    init.onClose?.(event.error)
  })

  return {
    get open() {
      return open && stream.status === 'open'
    },
    async send(message) {
      if (!open) throw new Error('the stream is closed')
      const body = encoder.encode(JSON.stringify(message))
      if (!stream.send(encodeFrame(body))) await stream.onDrain()
    },
    close() {
      if (!open) return
      void stream.close().catch((err: Error) => stream.abort(err))
    },
    reset(reason) {
      if (!open) return
      stream.abort(new Error(reason))
    },
  }
}
