import { Uint8ArrayList } from 'uint8arraylist'

export type FrameProblem = 'oversized' | 'bad_length'

export type DecodeResult =
  | { ok: true; frames: Uint8Array[] }
  | { ok: false; problem: FrameProblem; detail: string }

/** Longest varint accepted: 5 bytes hold any length up to 2^35, far above any limit. */
const MAX_VARINT_BYTES = 5

/**
 * Splits a byte stream into unsigned-varint length-prefixed frames (the framing of
 * it-length-prefixed and the libp2p spec). Chunks may split or join frames freely. A
 * declared length above `maxFrameBytes` is refused before its body is buffered.
 */
export class FrameDecoder {
  private readonly buffer = new Uint8ArrayList()
  private readonly maxFrameBytes: number

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes
  }

  push(chunk: Uint8Array | Uint8ArrayList): DecodeResult {
    this.buffer.append(chunk)
    const frames: Uint8Array[] = []
    for (;;) {
      const header = this.readLength()
      if (header === undefined) break
      if ('problem' in header) return { ok: false, ...header }
      const { length, headerBytes } = header
      if (length > this.maxFrameBytes) {
        return {
          ok: false,
          problem: 'oversized',
          detail: `frame of ${length} bytes exceeds ${this.maxFrameBytes}`,
        }
      }
      if (this.buffer.byteLength < headerBytes + length) break
      frames.push(this.buffer.subarray(headerBytes, headerBytes + length))
      this.buffer.consume(headerBytes + length)
    }
    return { ok: true, frames }
  }

  private readLength():
    | { length: number; headerBytes: number }
    | { problem: FrameProblem; detail: string }
    | undefined {
    let length = 0
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (i >= this.buffer.byteLength) return undefined
      const byte = this.buffer.get(i)
      length += (byte & 0x7f) * 2 ** (7 * i)
      if ((byte & 0x80) === 0) return { length, headerBytes: i + 1 }
    }
    return { problem: 'bad_length', detail: 'length prefix longer than 5 bytes' }
  }
}

/** A length as an unsigned varint (the frame header). */
export function encodeLength(length: number): Uint8Array {
  const header: number[] = []
  let n = length
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    header.push(byte)
  } while (n > 0)
  return Uint8Array.from(header)
}

/** Prefixes a frame with its unsigned-varint length. */
export function encodeFrame(body: Uint8Array): Uint8ArrayList {
  return new Uint8ArrayList(encodeLength(body.byteLength), body)
}
