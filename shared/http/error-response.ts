import { type ErrorCode, McppError } from '../errors.ts'
import { RPC } from './json-rpc-error.ts'

/**
 * The HTTP status of each error code an HTTP answer carries; any other code is a 500.
 * The MCP layer answers tool failures inside a 200 (`isError`), so this table is only
 * for failures of the HTTP request itself.
 */
const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_PARAMS: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TOO_LARGE: 413,
  QUOTA_EXCEEDED: 429,
  UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
  /** RFC 4918 §11.5: the server cannot store what the request needs stored. */
  STORAGE_FULL: 507,
}

/** The one body of an HTTP error outside JSON-RPC. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> }
}

/**
 * How a path answers errors: `/mcp` speaks JSON-RPC (MCP Streamable HTTP answers a
 * request it could not read with a JSON-RPC error whose id is null); everything else,
 * plain JSON.
 */
export type ErrorDialect = 'json' | 'json-rpc'

export function dialectOf(path: string): ErrorDialect {
  return path === '/mcp' ? 'json-rpc' : 'json'
}

export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500
}

/**
 * Where an answer departs from the table: the HTTP status (405 has no error code of its
 * own) and the JSON-RPC error number (-32700 for a body that is not JSON, -32001 for
 * an unknown session, as the MCP SDK answers them).
 */
export interface ErrorResponseOverrides {
  status?: number
  rpcCode?: number
}

/**
 * Turns an error into the relay's HTTP error response, the one place that does. The
 * status comes from the code. In JSON the body is `{error: {code, message, details?}}`;
 * in JSON-RPC the same code and details sit in the error's `data` (JSON-RPC 2.0 §5.1),
 * under -32600 for a request the relay refuses to read and -32000 otherwise.
 */
export function errorResponse(
  err: McppError,
  dialect: ErrorDialect,
  headers: Record<string, string> = {},
  overrides: ErrorResponseOverrides = {},
): Response {
  const status = overrides.status ?? httpStatusOf(err.code)
  const details = err.details === undefined ? {} : { details: err.details }
  const body =
    dialect === 'json'
      ? ({ error: { code: err.code, message: err.message, ...details } } satisfies ErrorBody)
      : {
          jsonrpc: '2.0',
          error: {
            code:
              overrides.rpcCode ?? (status === 400 || status === 413 ? RPC.invalidRequest : RPC.serverError),
            message: err.message,
            data: { code: err.code, ...details },
          },
          id: null,
        }
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

/** The answer to a failure that is not an McppError: INTERNAL, without its text (the log has it). */
export function internalErrorResponse(dialect: ErrorDialect): Response {
  return errorResponse(new McppError('INTERNAL', 'internal error'), dialect)
}
