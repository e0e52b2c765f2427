/**
 * The request headers of MCP Streamable HTTP (a CORS preflight must allow them): the
 * 2025-11-25 session headers, and the 2026-07-28 per-request `Mcp-Method` and `Mcp-Name`
 * (SEP-2243). No tool declares `Mcp-Param-*` headers, so none are needed.
 */
export const MCP_REQUEST_HEADERS = [
  'Content-Type',
  'Authorization',
  'Mcp-Session-Id',
  'Mcp-Protocol-Version',
  'Mcp-Method',
  'Mcp-Name',
  'Last-Event-ID',
] as const

/** The response headers a browser client must be able to read. */
export const MCP_EXPOSED_HEADERS = [
  'Mcp-Session-Id',
  'Mcp-Protocol-Version',
  'WWW-Authenticate',
  'Retry-After',
] as const
