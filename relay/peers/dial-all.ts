import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'

/** Addresses one call dials at most. */
export const MAX_DIALS = 64
/** Dials in flight at once. */
export const DIAL_CONCURRENCY = 16
export const DEFAULT_DIAL_TIMEOUT_MS = 5000
export const MAX_DIAL_TIMEOUT_MS = 30_000

const NO_WS =
  "this relay's only libp2p transport is WebSockets, and the address (or what it resolves to) has no /ws or /wss"

export interface DialOutcome {
  multiaddr: string
  ok: boolean
  /** The peer reached (from the noise handshake), when the dial succeeded. */
  peerId?: string
  /** The address the connection runs over. */
  remoteAddr?: string
  durationMs: number
  /** libp2p's error, `Name: message`, when it failed. */
  error?: string
  /** What the error means here, when that is not plain from it. */
  hint?: string
}

export interface DialOptions {
  timeoutMs: number
  signal: AbortSignal
  /** Told each outcome as it comes (the dial history, which p2p_bootstrap_list shows). */
  onOutcome?: (outcome: DialOutcome) => void
  concurrency?: number
}

/**
 * Dials each address (duplicates once) with a time limit each and at most
 * `concurrency` at a time, and reports what libp2p said for every one, in the order
 * given. A call cancelled by its caller throws; a failed dial is an outcome. The
 * pool is a few lines over an index: p-queue is only a transitive dependency here.
 */
export async function dialAll(
  libp2p: Libp2p,
  addresses: readonly string[],
  options: DialOptions,
): Promise<DialOutcome[]> {
  const unique = [...new Set(addresses)]
  const outcomes: DialOutcome[] = new Array(unique.length)
  let next = 0
  const lane = async () => {
    while (next < unique.length) {
      const i = next++
      options.signal.throwIfAborted()
      const outcome = await dialOne(libp2p, unique[i] as string, options)
      options.onOutcome?.(outcome)
      outcomes[i] = outcome
    }
  }
  const lanes = Math.min(options.concurrency ?? DIAL_CONCURRENCY, unique.length)
  await Promise.all(Array.from({ length: lanes }, lane))
  options.signal.throwIfAborted()
  return outcomes
}

async function dialOne(libp2p: Libp2p, address: string, options: DialOptions): Promise<DialOutcome> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  const timeout = AbortSignal.timeout(options.timeoutMs)
  try {
    const connection = await libp2p.dial(multiaddr(address), {
      signal: AbortSignal.any([options.signal, timeout]),
    })
    return {
      multiaddr: address,
      ok: true,
      peerId: connection.remotePeer.toString(),
      remoteAddr: connection.remoteAddr.toString(),
      durationMs: elapsed(),
    }
  } catch (err) {
    const error =
      timeout.aborted && !options.signal.aborted
        ? `TimeoutError: no connection within ${options.timeoutMs} ms`
        : describe(err)
    const hint =
      error.startsWith('NoValidAddressesError') && !/\/wss?(\/|$)/.test(address) ? NO_WS : undefined
    return { multiaddr: address, ok: false, durationMs: elapsed(), error, ...(hint ? { hint } : {}) }
  }
}

/**
 * libp2p wraps the cause of a failed dial (AggregateError for several addresses), and
 * the WebSocket transport rejects with the socket's ErrorEvent, whose `error` is the
 * system error (ECONNREFUSED, ENOTFOUND…).
 */
function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code
    const head = `${err.name}: ${err.message}${code !== undefined && !err.message.includes(code) ? ` (${code})` : ''}`
    if (err instanceof AggregateError && err.errors.length > 0) {
      return `${head} (${err.errors.map((e) => describe(e)).join('; ')})`
    }
    return head
  }
  if (typeof err === 'object' && err !== null) {
    const { error, message } = err as { error?: unknown; message?: unknown }
    if (error !== undefined) return describe(error)
    if (typeof message === 'string' && message !== '') return message
  }
  return String(err)
}
