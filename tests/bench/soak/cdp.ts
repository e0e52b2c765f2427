/**
 * A minimal Chrome DevTools Protocol client over the browser's WebSocket, with flattened
 * sessions (`sessionId` on each message). Playwright's `CDPSession` cannot address a
 * child session (a tab's Web Workers), and attaching playwright to sample heaps would
 * make it record every WebSocket frame of the tabs (see detached-chromium.ts), so the
 * soak speaks the protocol itself: it enables no domain, so no events flow.
 */
export interface Cdp {
  send<T = any>(method: string, params?: Record<string, unknown>, sessionId?: string): Promise<T>
  close(): void
}

/** A command that has not answered by then means the browser is stuck; the soak must not hang on it. */
const COMMAND_TIMEOUT_MS = 30_000

export async function openCdp(url: string): Promise<Cdp> {
  const ws = new WebSocket(url)
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true })
    ws.addEventListener('error', () => reject(new Error(`cannot open DevTools at ${url}`)), { once: true })
  })
  const pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }
  >()
  let nextId = 1
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number
      result?: unknown
      error?: { message: string }
    }
    if (message.id === undefined) return
    const waiter = pending.get(message.id)
    if (waiter === undefined) return
    pending.delete(message.id)
    clearTimeout(waiter.timer)
    if (message.error) waiter.reject(new Error(message.error.message))
    else waiter.resolve(message.result)
  })
  ws.addEventListener('close', () => {
    for (const waiter of pending.values()) {
      clearTimeout(waiter.timer)
      waiter.reject(new Error('the DevTools connection closed'))
    }
    pending.clear()
  })
  return {
    send(method, params = {}, sessionId) {
      const id = nextId++
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`${method} did not answer in ${COMMAND_TIMEOUT_MS} ms`))
        }, COMMAND_TIMEOUT_MS)
        pending.set(id, { resolve, reject, timer })
        ws.send(JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) }))
      })
    },
    close: () => ws.close(),
  }
}
