/**
 * JSON-RPC error numbers used at the HTTP layer (the MCP SDK's transport uses the same
 * ones); the bodies themselves come from errorResponse (error-response.ts).
 */
export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  serverError: -32000,
  sessionNotFound: -32001,
} as const
