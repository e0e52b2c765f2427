import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'

export interface ToolCall {
  name: string
  arguments: Record<string, unknown>
}

/**
 * The SDK client passes one connection-wide AbortSignal to every fetch, and undici
 * only drops its listener on that signal when the request is garbage-collected, so a
 * long load run piles up thousands of listeners (MaxListenersExceededWarning) and
 * slows the client. Each POST gets its own signal, linked to the connection's until
 * its response headers arrive; the long-lived GET stream keeps the shared one.
 */
const isolatingFetch: typeof fetch = async (input, init) => {
  const shared = init?.signal
  if (!shared || init?.method !== 'POST') return fetch(input, init)
  const own = new AbortController()
  const onAbort = () => own.abort(shared.reason)
  shared.addEventListener('abort', onAbort, { once: true })
  try {
    return await fetch(input, { ...init, signal: own.signal })
  } finally {
    shared.removeEventListener('abort', onAbort)
  }
}

/** Connects an SDK client (one session) to an MCP endpoint. */
/** An SDK client; `modern` pins it to the stateless 2026-07-28 revision (no session). */
export async function connect(endpoint: URL, era: 'legacy' | 'modern' = 'legacy'): Promise<Client> {
  const client = new Client(
    { name: 'mcpp-bench', version: '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  )
  await client.connect(new StreamableHTTPClientTransport(endpoint, { fetch: isolatingFetch }))
  return client
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return sorted[Math.max(0, index)] as number
}

/** Calls made in one run of `drive`, with their latencies (ms, sorted) and the run's length. */
export interface LoadRun {
  latencies: number[]
  elapsedMs: number
}

/**
 * Keeps `concurrency` calls in flight on one session, starting new ones for
 * `durationMs`; the run ends when the last of them has answered.
 */
export async function drive(
  client: Client,
  call: ToolCall,
  concurrency: number,
  durationMs: number,
): Promise<LoadRun> {
  const latencies: number[] = []
  const started = performance.now()
  const end = started + durationMs
  const worker = async () => {
    for (;;) {
      const callStarted = performance.now()
      if (callStarted >= end) return
      const result = await client.callTool(call)
      if (result.isError) throw new Error(`${call.name} failed: ${JSON.stringify(result.content)}`)
      latencies.push(performance.now() - callStarted)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { latencies: latencies.sort((a, b) => a - b), elapsedMs: performance.now() - started }
}
