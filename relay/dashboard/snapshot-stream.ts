import type { DashboardSnapshot } from '../../shared/dashboard/snapshot-types.ts'

export interface SnapshotStreamInit {
  build: () => Promise<DashboardSnapshot>
  /** Time between snapshots on one stream. */
  intervalMs: number
  /** Streams open at once; more are refused. */
  maxStreams: number
  now: () => number
}

const encoder = new TextEncoder()

/**
 * Server-Sent Events of dashboard snapshots. Each stream is pulled: the next snapshot
 * is built only when the client has taken the previous one (the HTTP server reads the
 * stream only after the socket drained), so a slow client skips snapshots instead of
 * piling them up in memory. One snapshot is built per interval, however many streams
 * are open. A closed page cancels its stream, which stops its timer.
 */
export class SnapshotStream {
  readonly #init: SnapshotStreamInit
  #open = 0
  #latest: { at: number; frame: Promise<Uint8Array> } | undefined

  constructor(init: SnapshotStreamInit) {
    this.#init = init
  }

  /** Streams open now. */
  get size(): number {
    return this.#open
  }

  /** A new stream, or undefined when `maxStreams` are open. */
  open(): ReadableStream<Uint8Array> | undefined {
    if (this.#open >= this.#init.maxStreams) return undefined
    this.#open++
    let first = true
    let closed = false
    let wake: (() => void) | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    const close = () => {
      if (closed) return
      closed = true
      this.#open--
      clearTimeout(timer)
      wake?.()
    }
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          if (!first) {
            await new Promise<void>((resolve) => {
              wake = resolve
              timer = setTimeout(resolve, this.#init.intervalMs)
            })
          }
          first = false
          if (closed) return
          controller.enqueue(await this.#frame())
        },
        cancel: close,
      },
      { highWaterMark: 0 },
    )
  }

  /** The current snapshot as one SSE event, shared by streams within half an interval. */
  #frame(): Promise<Uint8Array> {
    const now = this.#init.now()
    if (this.#latest === undefined || now - this.#latest.at >= this.#init.intervalMs / 2) {
      const frame = this.#init
        .build()
        .then((snapshot) => encoder.encode(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`))
      this.#latest = { at: now, frame }
      // A failed build is not kept: the next pull tries again.
      frame.catch(() => {
        if (this.#latest?.frame === frame) this.#latest = undefined
      })
    }
    return this.#latest.frame
  }
}
