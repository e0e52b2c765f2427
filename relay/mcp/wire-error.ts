import { ErrorCode } from '@modelcontextprotocol/sdk/types.js'
import type { McppError } from '../../shared/errors.ts'

/** MCP 2025-11-25, resources "Error Handling": a URI that names nothing. */
export const RESOURCE_NOT_FOUND = -32002

/**
 * A JSON-RPC error sent with exactly this message. The SDK's McpError puts
 * "MCP error <code>: " in its message, which goes on the wire, and the SDK client adds
 * the prefix again to what it receives: clients showed it twice (issue 15). The SDK
 * server sends any thrown error's numeric `code`, `message` and `data` as they are.
 */
export class WireError extends Error {
  readonly code: number
  readonly data: unknown

  constructor(code: number, message: string, data?: unknown) {
    super(message)
    this.name = 'WireError'
    this.code = code
    this.data = data
  }
}

/**
 * A tool's failure as the JSON-RPC error of a resources, prompts or completion request:
 * the MCP code that fits, with the relay's own code in `data.code` (what clients and
 * tests branch on, as `_meta["mcpp/error"].code` for tools).
 */
export function wireErrorOf(err: McppError): WireError {
  const code =
    err.code === 'NOT_FOUND'
      ? RESOURCE_NOT_FOUND
      : err.code === 'INVALID_PARAMS'
        ? ErrorCode.InvalidParams
        : ErrorCode.InternalError
  return new WireError(code, err.message, {
    code: err.code,
    ...(err.details ? { details: err.details } : {}),
  })
}
