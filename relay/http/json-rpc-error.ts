/**
 * A JSON-RPC error response for failures before a message reaches the MCP server
 * (auth, origin, size, session). `id` is null because the request was never read.
 */
export function jsonRpcErrorResponse(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

/** JSON-RPC error codes used at the HTTP layer (the SDK uses the same ones). */
export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  serverError: -32000,
  sessionNotFound: -32001,
} as const
