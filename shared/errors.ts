/**
 * One error family with a stable string `code`. The MCP and HTTP layers turn these
 * into `isError` results or HTTP statuses in one place each; tests assert codes.
 */
export type ErrorCode =
  | 'INVALID_PARAMS'
  | 'UNKNOWN_TOOL'
  | 'UNKNOWN_CATEGORY'
  | 'CATEGORY_MISMATCH'
  | 'RUNTIME_UNAVAILABLE'
  | 'NOT_ACCEPTED'
  | 'CANCELLED'
  | 'TIMEOUT'
  | 'INVALID_OUTPUT'
  | 'NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'TASK_FAILED'
  | 'CONFLICT'
  | 'FORBIDDEN'
  /** No credentials, or credentials that are not valid (HTTP 401). */
  | 'UNAUTHORIZED'
  /** A request larger than the relay accepts (HTTP 413). */
  | 'TOO_LARGE'
  /** A file or value the tool was pointed at cannot be read as what it claims to be. */
  | 'BAD_DATA'
  /** Something outside the relay the tool needs is missing: a system binary, the network. */
  | 'UNAVAILABLE'
  /** A per-identity or global limit was reached; retry later (HTTP answers 429 with Retry-After). */
  | 'QUOTA_EXCEEDED'
  /**
   * The relay's data disk is full: the write did not happen (nothing half-written stays),
   * reads go on, and the same call succeeds once space is freed (HTTP 507).
   */
  | 'STORAGE_FULL'
  /** The relay is stopping; the call was not finished. */
  | 'SHUTTING_DOWN'
  | 'INTERNAL'

export class McppError extends Error {
  readonly code: ErrorCode
  readonly details: Record<string, unknown> | undefined

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'McppError'
    this.code = code
    this.details = details
  }
}

/**
 * Thrown by a runtime that refused a call before starting it. Only this error lets the
 * router fall back to another runtime: anything else means the call may have run.
 */
export class NotAcceptedError extends McppError {
  constructor(message: string) {
    super('NOT_ACCEPTED', message)
    this.name = 'NotAcceptedError'
  }
}

/** Maps any thrown value to an McppError; unknown failures become INTERNAL. */
export function toMcppError(err: unknown, signal?: AbortSignal): McppError {
  if (err instanceof McppError) return err
  if (signal?.aborted) {
    const reason = signal.reason
    if (reason instanceof McppError) return reason
    if (reason instanceof DOMException && reason.name === 'TimeoutError') {
      return new McppError('TIMEOUT', 'the call exceeded its time limit')
    }
    return new McppError('CANCELLED', 'the call was cancelled')
  }
  return new McppError('INTERNAL', err instanceof Error ? err.message : String(err))
}
