import { McppError } from '../../shared/errors.ts'

/** One admitted tools/call: its signal aborts when the client cancels or when it is cut at shutdown. */
export interface InFlightCall {
  readonly signal: AbortSignal
  /** Called once the handler has its result (success or error). */
  leave(): void
}

/** What a graceful stop did, for the log. */
export interface DrainReport {
  /** Calls in flight when the stop began. */
  inFlight: number
  /** Of those, the ones that finished within the grace period. */
  finished: number
  /** The ones still running at the deadline: answered with SHUTTING_DOWN and aborted. */
  cut: number
  durationMs: number
}

interface Entry {
  controller: AbortController
  done: () => void
}

/**
 * The tools/call requests a relay is running, so that a stop can be graceful (issue 10):
 * `drain` refuses new calls, waits for the running ones up to a grace period, and then
 * aborts the rest with a SHUTTING_DOWN reason. The MCP handler races its call against
 * that signal (create-server.ts), so a cut call is answered with an error result
 * instead of leaving its client to wait out its own timeout.
 *
 * Each call gets its own AbortController linked to the SDK's request signal, rather
 * than `AbortSignal.any` with a relay-wide signal: a long-lived signal that many
 * short-lived ones depend on is what `any` handles worst.
 */
export class InFlightCalls {
  private readonly active = new Set<Entry>()
  private draining = false
  private idle: (() => void) | undefined
  private hurryNow: (() => void) | undefined
  private hurried = false

  get size(): number {
    return this.active.size
  }

  /** Whether new calls are admitted (false once a drain has begun). */
  get accepting(): boolean {
    return !this.draining
  }

  /** Admits a call, or answers undefined while the relay is stopping. */
  enter(request: AbortSignal): InFlightCall | undefined {
    if (this.draining) return undefined
    const controller = new AbortController()
    const onAbort = () => controller.abort(request.reason)
    if (request.aborted) onAbort()
    else request.addEventListener('abort', onAbort, { once: true })
    const entry: Entry = {
      controller,
      done: () => {
        request.removeEventListener('abort', onAbort)
        if (this.active.delete(entry) && this.active.size === 0) this.idle?.()
      },
    }
    this.active.add(entry)
    return { signal: controller.signal, leave: entry.done }
  }

  /**
   * Stops admitting calls, waits up to `graceMs` for the running ones, then aborts what
   * is left with SHUTTING_DOWN and waits for those handlers to answer.
   */
  async drain(graceMs: number): Promise<DrainReport> {
    const started = performance.now()
    this.draining = true
    const inFlight = this.active.size
    if (inFlight > 0 && !this.hurried) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs)
        this.idle = () => {
          clearTimeout(timer)
          resolve()
        }
        this.hurryNow = this.idle
      })
    }
    const remaining = [...this.active]
    if (remaining.length > 0) {
      const reason = new McppError(
        'SHUTTING_DOWN',
        `the relay is stopping and this call did not finish within the grace period (${graceMs / 1000} s, shutdown.graceSeconds); it was stopped`,
      )
      await new Promise<void>((resolve) => {
        this.idle = resolve
        // The handler races its call against this signal, so it answers and leaves at once.
        for (const entry of remaining) entry.controller.abort(reason)
        if (this.active.size === 0) resolve()
      })
    }
    this.idle = undefined
    this.hurryNow = undefined
    // The SDK sends a handler's result a few promise callbacks after the handler returns
    // (protocol.js `_onrequest`); let those run before anything closes the transports.
    await new Promise((resolve) => setImmediate(resolve))
    return {
      inFlight,
      finished: inFlight - remaining.length,
      cut: remaining.length,
      durationMs: Math.round(performance.now() - started),
    }
  }

  /** Ends the grace period now (a second SIGTERM or SIGINT). */
  hurry(): void {
    this.draining = true
    this.hurried = true
    this.hurryNow?.()
  }
}
