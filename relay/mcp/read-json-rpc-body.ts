import { McppError } from '../../shared/errors.ts'
import { errorResponse } from '../../shared/http/error-response.ts'
import { RPC } from '../../shared/http/json-rpc-error.ts'
import { readBoundedBody } from '../http/read-bounded-body.ts'

/** `parsing`: when the body's parse began (performance.now()), the start of the turn's work on it. */
export type BodyRead = { ok: true; body: unknown; parsing: number } | { ok: false; response: Response }

/**
 * Reads a POST body once and checks its JSON-RPC shape before the SDK sees it, so the
 * errors follow JSON-RPC 2.0: not JSON → -32700; JSON that is not a message, or a
 * batch → -32600 (the SDK reports both as -32700); over `maxBytes` → 413.
 */
export async function readJsonRpcBody(req: Request, maxBytes: number): Promise<BodyRead> {
  const read = await readBoundedBody(req, maxBytes)
  if (!read.ok) {
    return {
      ok: false,
      response: errorResponse(
        new McppError('TOO_LARGE', `the request body is over the limit of ${maxBytes} bytes`, {
          limitBytes: maxBytes,
        }),
        'json-rpc',
      ),
    }
  }
  let body: unknown
  const parsing = performance.now()
  try {
    body = JSON.parse(read.text)
  } catch {
    return {
      ok: false,
      response: errorResponse(
        new McppError('INVALID_PARAMS', 'Parse error: the request body is not valid JSON'),
        'json-rpc',
        {},
        { rpcCode: RPC.parseError },
      ),
    }
  }
  // Revision 2025-11-25 has no batching (removed in 2025-06-18): a POST body is one
  // message. A batch is refused whole, so none of its messages runs.
  if (Array.isArray(body)) {
    return {
      ok: false,
      response: errorResponse(
        new McppError(
          'INVALID_PARAMS',
          'Invalid Request: JSON-RPC batches are not supported (MCP 2025-11-25); send one message per request',
        ),
        'json-rpc',
      ),
    }
  }
  if (!looksLikeJsonRpcMessage(body)) {
    return {
      ok: false,
      response: errorResponse(
        new McppError('INVALID_PARAMS', 'Invalid Request: not a JSON-RPC 2.0 message'),
        'json-rpc',
      ),
    }
  }
  return { ok: true, body, parsing }
}

/**
 * The JSON-RPC 2.0 envelope, checked cheaply: a request or notification (string
 * `method`) or a response (`id` with `result` or `error`). The SDK validates the full
 * message afterwards; this only decides which requests get -32600 here.
 */
export function looksLikeJsonRpcMessage(message: unknown): boolean {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return false
  const m = message as Record<string, unknown>
  if (m.jsonrpc !== '2.0') return false
  const idOk = m.id === undefined || typeof m.id === 'string' || typeof m.id === 'number'
  if (typeof m.method === 'string') return idOk
  if (m.id === null) return 'error' in m
  return m.id !== undefined && idOk && ('result' in m || 'error' in m)
}
