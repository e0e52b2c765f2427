import type { ErrorCode } from '../errors.ts'

/**
 * Every code a task failure may carry, declared once (issue 10): who sets it, what it
 * means, and the MCP++ error code a client sees when a tool call's task ends with it.
 * Workers are untrusted: a code a worker sends that is not listed here arrives as
 * `WORKER_ERROR` (see `declaredTaskError`), never verbatim.
 */
const TASK_ERRORS = {
  // Set by the kind on the worker (shared/task/kinds) or by its compute context.
  INVALID_INPUT: { mcpp: 'INVALID_PARAMS', meaning: 'the input is not valid for the kind' },
  MEMORY_LIMIT: { mcpp: 'INVALID_PARAMS', meaning: "a wasm module needs more memory than the input's limit" },
  UNKNOWN_KIND: { mcpp: 'TASK_FAILED', meaning: 'the worker does not implement the kind it announced' },
  WASM_TRAP: { mcpp: 'TASK_FAILED', meaning: 'the wasm module trapped (deterministic)' },
  TASK_FAILED: { mcpp: 'TASK_FAILED', meaning: 'the kind threw while computing' },
  CANCELLED: { mcpp: 'CANCELLED', meaning: 'the task was cancelled' },
  TIMEOUT: { mcpp: 'TIMEOUT', meaning: 'an attempt exceeded its time limit' },
  WORKER_CRASHED: { mcpp: 'TASK_FAILED', meaning: "the worker's compute context died" },
  INPUT_UNAVAILABLE: { mcpp: 'TASK_FAILED', meaning: 'the worker could not fetch the input block' },
  OUTPUT_UNSTORED: { mcpp: 'TASK_FAILED', meaning: 'the worker could not store the output block' },
  WORKER_ERROR: { mcpp: 'TASK_FAILED', meaning: 'the worker reported a code this relay does not declare' },
  // Set by the relay.
  INVALID_OUTPUT: { mcpp: 'INVALID_OUTPUT', meaning: "the worker's output broke the kind's output bounds" },
  WRONG_ANSWER: { mcpp: 'INVALID_OUTPUT', meaning: 'a spot-check on the relay disagreed with the worker' },
  NO_QUORUM: { mcpp: 'TASK_FAILED', meaning: 'the workers did not agree on one answer' },
  RESULT_DISCARDED: { mcpp: 'TASK_FAILED', meaning: 'the answer came from a worker later caught lying' },
  WORKER_LOST: { mcpp: 'TASK_FAILED', meaning: 'the worker disconnected during the attempt' },
  LEASE_EXPIRED: { mcpp: 'TASK_FAILED', meaning: 'the worker stopped renewing its lease' },
  HANDOFF_FAILED: {
    mcpp: 'TASK_FAILED',
    meaning: 'a member relay refused a forwarded task or could not be reached (issue 11)',
  },
  RELAY_RESTARTED: { mcpp: 'TASK_FAILED', meaning: 'the relay restarted during the attempt' },
  STORE_DAMAGED: { mcpp: 'INTERNAL', meaning: "the task's row in the queue could not be read" },
} as const satisfies Record<string, { mcpp: ErrorCode; meaning: string }>

export type TaskErrorCode = keyof typeof TASK_ERRORS

export const TASK_ERROR_CODES = Object.keys(TASK_ERRORS) as [TaskErrorCode, ...TaskErrorCode[]]

/** What a worker's error message may hold; a longer one is cut. */
export const MAX_TASK_ERROR_MESSAGE = 4096

export function isTaskErrorCode(code: string): code is TaskErrorCode {
  return Object.hasOwn(TASK_ERRORS, code)
}

/** What one task error code means, for people (docs, tool descriptions). */
export function taskErrorMeaning(code: TaskErrorCode): string {
  return TASK_ERRORS[code].meaning
}

/**
 * The one translation from a task's error code to the MCP++ code a client sees when
 * the tool call that ran the task fails: a cancelled task is CANCELLED, a bad input
 * INVALID_PARAMS, a worker's failure TASK_FAILED.
 */
export function mcppCodeOf(code: TaskErrorCode): ErrorCode {
  return TASK_ERRORS[code].mcpp
}

/**
 * A task error as someone else reported it (a worker, an old row), in the declared
 * vocabulary: an unknown code becomes WORKER_ERROR and keeps the original in the message.
 */
export function declaredTaskError(raw: { code: string; message: string }): {
  code: TaskErrorCode
  message: string
} {
  if (isTaskErrorCode(raw.code)) return { code: raw.code, message: raw.message }
  const message = `${raw.code.slice(0, 64)}: ${raw.message}`.slice(0, MAX_TASK_ERROR_MESSAGE)
  return { code: 'WORKER_ERROR', message }
}
