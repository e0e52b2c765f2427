import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js'
import { jsonRpcErrorResponse, RPC } from '../http/json-rpc-error.ts'

export type BodyRead = { ok: true; body: unknown } | { ok: false; response: Response }

/**
 * Reads a POST body once and checks its JSON-RPC shape before the SDK sees it, so the
 * errors follow JSON-RPC 2.0: not JSON → -32700; JSON that is not a message (or a batch
 * holding a non-message) → -32600 (the SDK reports both as -32700). Size is bounded
 * earlier by the HTTP body limit.
 */
export async function readJsonRpcBody(req: Request): Promise<BodyRead> {
  let body: unknown
  try {
    body = await req.json()
  } catch {
    return {
      ok: false,
      response: jsonRpcErrorResponse(400, RPC.parseError, 'Parse error: the request body is not valid JSON'),
    }
  }
  const messages = Array.isArray(body) ? body : [body]
  if (messages.length === 0) {
    return {
      ok: false,
      response: jsonRpcErrorResponse(400, RPC.invalidRequest, 'Invalid Request: empty batch'),
    }
  }
  for (const [index, message] of messages.entries()) {
    if (!JSONRPCMessageSchema.safeParse(message).success) {
      const where = Array.isArray(body) ? ` (batch item ${index})` : ''
      return {
        ok: false,
        response: jsonRpcErrorResponse(
          400,
          RPC.invalidRequest,
          `Invalid Request: not a JSON-RPC 2.0 message${where}`,
        ),
      }
    }
  }
  return { ok: true, body }
}
