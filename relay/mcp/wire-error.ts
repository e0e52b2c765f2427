import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server'
import type { McppError } from '../../shared/errors.ts'

/**
 * A URI that names nothing, or a resource whose data is missing: -32602 with the URI in
 * `data`, which the 2026-07-28 revision requires and the SDK sends in every era (it
 * rewrites the 2025 text's -32002; clients accept both).
 */
export const RESOURCE_NOT_FOUND = ProtocolErrorCode.InvalidParams

/**
 * A tool's failure as the JSON-RPC error of a resources, prompts or completion request:
 * the MCP code that fits, with the relay's own code in `data.code` (what clients and
 * tests branch on, as `_meta["mcpp/error"].code` for tools).
 */
export function wireErrorOf(err: McppError): ProtocolError {
  const code =
    err.code === 'NOT_FOUND'
      ? RESOURCE_NOT_FOUND
      : err.code === 'INVALID_PARAMS'
        ? ProtocolErrorCode.InvalidParams
        : ProtocolErrorCode.InternalError
  return new ProtocolError(code, err.message, {
    code: err.code,
    ...(err.details ? { details: err.details } : {}),
  })
}
