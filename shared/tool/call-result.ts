import type { CallToolResult } from '@modelcontextprotocol/server'
import { ERROR_META_KEY } from '../constants.ts'
import type { McppError } from '../errors.ts'

/** Where a result came from and how it was checked, in `_meta` of a direct call (issue 9: honest results). */
export const VERIFICATION_META_KEY = 'mcpp/verification'

/** Why the router ran a call where it did (the decision's reason), in `_meta` of a direct call. */
export const ROUTE_META_KEY = 'mcpp/route'

/** A successful call: structured output plus its JSON text for clients that read only text. */
export function successResult(
  output: Record<string, unknown>,
  provenance?: Record<string, unknown>,
  route?: string,
): CallToolResult {
  const meta = {
    ...(provenance === undefined ? {} : { [VERIFICATION_META_KEY]: provenance }),
    ...(route === undefined ? {} : { [ROUTE_META_KEY]: route }),
  }
  return {
    content: [{ type: 'text', text: JSON.stringify(output) }],
    structuredContent: output,
    ...(Object.keys(meta).length === 0 ? {} : { _meta: meta }),
  }
}

/**
 * A failed tool call is a result with `isError` (MCP 2025-11-25: tool and input
 * validation errors are reported to the model, not as JSON-RPC errors). The stable
 * code rides in `_meta` so clients can branch on it.
 */
export function errorResult(err: McppError): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `${err.code}: ${err.message}` }],
    _meta: { [ERROR_META_KEY]: { code: err.code, message: err.message, ...err.details } },
  }
}
