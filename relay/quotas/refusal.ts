import { McppError } from '../../shared/errors.ts'
import { type ErrorDialect, errorResponse } from '../../shared/http/error-response.ts'
import type { QuotaRefusal } from './types.ts'

function describe(refusal: QuotaRefusal): string {
  const whose = refusal.scope === 'identity' ? 'per caller' : 'for all callers together'
  return `quota ${refusal.quota} reached (limit ${refusal.limit} ${whose}); retry after ${refusal.retryAfterSeconds} s`
}

/** A refusal as a tool error: QUOTA_EXCEEDED with the quota, scope, limit and retry hint. */
export function quotaError(refusal: QuotaRefusal): McppError {
  return new McppError('QUOTA_EXCEEDED', describe(refusal), { ...refusal })
}

/**
 * A refusal as HTTP: 429 with Retry-After (RFC 6585 §4). Sessions and streams are
 * refused on /mcp, hence JSON-RPC by default.
 */
export function quotaResponse(refusal: QuotaRefusal, dialect: ErrorDialect = 'json-rpc'): Response {
  return errorResponse(quotaError(refusal), dialect, { 'retry-after': String(refusal.retryAfterSeconds) })
}
