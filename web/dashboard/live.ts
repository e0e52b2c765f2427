import { type ChartPoint, chartPoint, type Sample, sampleOf } from '../../shared/dashboard/rates.ts'
import type { DashboardSnapshot } from '../../shared/dashboard/snapshot-types.ts'
import { authHeaders } from './api.ts'

/** Chart points kept: ten minutes at one snapshot a second. Older ones are dropped. */
export const MAX_POINTS = 600
/** Latency percentiles are over this many seconds of calls. */
const LATENCY_WINDOW = 10
const RETRY_MS = 2000

export type LinkState = 'connecting' | 'live' | 'retrying'

export interface LiveState {
  snapshot: DashboardSnapshot | null
  points: ChartPoint[]
  link: LinkState
  /** Why the stream is down, while it is. */
  problem: string | null
}

/**
 * The one push channel: snapshots from `GET /api/events` (Server-Sent Events read with
 * fetch, which, unlike EventSource, can send the token). It reconnects after a drop and
 * keeps a bounded ring of samples for the charts, so a page left open stays the same size.
 */
export class LiveFeed {
  #state: LiveState = { snapshot: null, points: [], link: 'connecting', problem: null }
  readonly #samples: Sample[] = []
  readonly #listeners = new Set<(state: LiveState) => void>()
  #abort: AbortController | undefined
  #timer: ReturnType<typeof setTimeout> | undefined

  get state(): LiveState {
    return this.#state
  }

  subscribe(listener: (state: LiveState) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  start(): void {
    this.stop()
    const abort = new AbortController()
    this.#abort = abort
    this.#set({ link: 'connecting' })
    this.#read(abort.signal).catch((err: Error) => {
      if (abort.signal.aborted) return
      this.#set({ link: 'retrying', problem: err.message })
      this.#timer = setTimeout(() => this.start(), RETRY_MS)
    })
  }

  stop(): void {
    clearTimeout(this.#timer)
    this.#abort?.abort()
  }

  async #read(signal: AbortSignal): Promise<void> {
    const res = await fetch('/api/events', { headers: authHeaders(), signal })
    if (!res.ok || res.body === null) {
      const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null
      throw new Error(body?.error?.message ?? `HTTP ${res.status}`)
    }
    const reader = res.body.getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) throw new Error('the relay closed the stream')
      buffer += decoder.decode(value, { stream: true })
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const event = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const data = event
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n')
        if (data !== '') this.#receive(JSON.parse(data) as DashboardSnapshot)
      }
    }
  }

  #receive(snapshot: DashboardSnapshot): void {
    const sample = sampleOf(snapshot)
    const previous = this.#samples.at(-1)
    this.#samples.push(sample)
    if (this.#samples.length > LATENCY_WINDOW + 1) this.#samples.shift()
    let points = this.#state.points
    if (previous !== undefined) {
      const point = chartPoint(sample, previous, this.#samples[0] as Sample)
      points = [...points.slice(-(MAX_POINTS - 1)), point]
    }
    this.#set({ snapshot, points, link: 'live', problem: null })
  }

  #set(patch: Partial<LiveState>): void {
    this.#state = { ...this.#state, ...patch }
    for (const listener of this.#listeners) listener(this.#state)
  }
}
