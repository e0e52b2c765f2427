import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { jsonDeeperThan, MAX_WIRE_JSON_DEPTH } from '../json-depth.ts'
import { encodeFrame, FrameDecoder } from './frame-decoder.ts'

/**
 * Pull-style reading of length-prefixed frames from a libp2p v3 stream, for short
 * request/response exchanges (the block protocol). Rejects on an oversized frame or a
 * closed stream.
 */
export class FrameReader {
  private readonly frames: Uint8Array[] = []
  private readonly waiting: Array<{ resolve: (f: Uint8Array) => void; reject: (e: Error) => void }> = []
  private failure: Error | undefined

  constructor(stream: Stream, maxFrameBytes: number) {
    const decoder = new FrameDecoder(maxFrameBytes)
    stream.addEventListener('message', (event) => {
      const decoded = decoder.push(event.data as Uint8Array | Uint8ArrayList)
      if (!decoded.ok) {
        this.fail(new Error(`${decoded.problem}: ${decoded.detail}`))
        stream.abort(new Error(decoded.detail))
        return
      }
      for (const frame of decoded.frames) {
        const waiter = this.waiting.shift()
        if (waiter) waiter.resolve(frame)
        else this.frames.push(frame)
      }
    })
    stream.addEventListener('close', (event) => this.fail(event.error ?? new Error('the stream closed')))
  }

  next(): Promise<Uint8Array> {
    const frame = this.frames.shift()
    if (frame) return Promise.resolve(frame)
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }))
  }

  async json(): Promise<unknown> {
    const text = new TextDecoder().decode(await this.next())
    if (jsonDeeperThan(text, MAX_WIRE_JSON_DEPTH))
      throw new Error(`JSON nested deeper than ${MAX_WIRE_JSON_DEPTH} levels`)
    return JSON.parse(text)
  }

  /** Reads `size` bytes sent as consecutive frames. */
  async bytes(size: number): Promise<Uint8Array> {
    const out = new Uint8Array(size)
    let offset = 0
    while (offset < size) {
      const frame = await this.next()
      if (offset + frame.byteLength > size) throw new Error('more bytes than announced')
      out.set(frame, offset)
      offset += frame.byteLength
    }
    return out
  }

  private fail(error: Error): void {
    this.failure ??= error
    for (const w of this.waiting.splice(0)) w.reject(error)
  }
}

/** Writes one frame, waiting for the stream to drain when its buffer is full. */
export async function writeFrame(stream: Stream, body: Uint8Array): Promise<void> {
  if (!stream.send(encodeFrame(body))) await stream.onDrain()
}

export function writeJsonFrame(stream: Stream, value: unknown): Promise<void> {
  return writeFrame(stream, new TextEncoder().encode(JSON.stringify(value)))
}

/** Writes bytes as frames of at most `chunk` bytes. */
export async function writeChunks(stream: Stream, bytes: Uint8Array, chunk: number): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength; offset += chunk) {
    await writeFrame(stream, bytes.subarray(offset, offset + chunk))
  }
}
