import type { RequestId, Transport } from '@modelcontextprotocol/server'
import { isJSONRPCRequest } from '@modelcontextprotocol/server'

/**
 * Cancels the requests of a POST whose client went away before its response ended
 * (issue 9: a runaway query was not interrupted when the client left).
 *
 * The SDK's Streamable HTTP transport (1.32, webStandardStreamableHttp.js) only drops
 * the SSE stream when the client closes a POST; the request's handler keeps running
 * and its `extra.signal` never aborts, so a tool cannot stop. The HTTP server aborts
 * `req.signal` when the connection closes before the response is finished (not after
 * a complete response), so this hands the server the `notifications/cancelled` the
 * client could not send, and the SDK aborts each handler's signal as for a real one.
 */
export function cancelOnDisconnect(req: Request, body: unknown, transport: Transport): void {
  const ids: RequestId[] = (Array.isArray(body) ? body : [body]).filter(isJSONRPCRequest).map((m) => m.id)
  if (ids.length === 0) return
  const cancel = () => {
    for (const requestId of ids) {
      transport.onmessage?.({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId, reason: 'the client disconnected' },
      })
    }
  }
  // Called once the transport has dispatched the requests, so a client already gone
  // cancels them at once.
  if (req.signal.aborted) cancel()
  else req.signal.addEventListener('abort', cancel, { once: true })
}
