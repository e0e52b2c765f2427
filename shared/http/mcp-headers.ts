/** The request headers of MCP Streamable HTTP (a CORS preflight must allow them). */
export const MCP_REQUEST_HEADERS = [
  'Content-Type',
  'Authorization',
  'Mcp-Session-Id',
  'Mcp-Protocol-Version',
  'Last-Event-ID',
] as const

/** The response headers a browser client must be able to read. */
export const MCP_EXPOSED_HEADERS = [
  'Mcp-Session-Id',
  'Mcp-Protocol-Version',
  'WWW-Authenticate',
  'Retry-After',
] as const
