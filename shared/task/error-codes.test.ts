import { describe, expect, it } from 'vitest'
import { taskResult } from '../wire/task-messages.ts'
import { declaredTaskError, mcppCodeOf, TASK_ERROR_CODES } from './error-codes.ts'

describe('mcppCodeOf', () => {
  it('gives a client the code that says what happened to its task', () => {
    expect(mcppCodeOf('CANCELLED')).toBe('CANCELLED')
    expect(mcppCodeOf('TIMEOUT')).toBe('TIMEOUT')
    expect(mcppCodeOf('INVALID_INPUT')).toBe('INVALID_PARAMS')
    expect(mcppCodeOf('INVALID_OUTPUT')).toBe('INVALID_OUTPUT')
    expect(mcppCodeOf('WORKER_CRASHED')).toBe('TASK_FAILED')
    expect(mcppCodeOf('WORKER_ERROR')).toBe('TASK_FAILED')
    expect(mcppCodeOf('STORE_DAMAGED')).toBe('INTERNAL')
  })

  it('never reports a task failure as a problem with the call itself', () => {
    const callCodes = new Set(['UNKNOWN_TOOL', 'NOT_ACCEPTED', 'FORBIDDEN', 'QUOTA_EXCEEDED'])
    for (const code of TASK_ERROR_CODES) expect(callCodes.has(mcppCodeOf(code))).toBe(false)
  })
})

describe('declaredTaskError', () => {
  it('keeps a declared code as it is', () => {
    expect(declaredTaskError({ code: 'TIMEOUT', message: 'slow' })).toEqual({
      code: 'TIMEOUT',
      message: 'slow',
    })
  })

  it('maps an undeclared code to WORKER_ERROR and keeps the original in the message', () => {
    expect(declaredTaskError({ code: 'FORBIDDEN', message: 'nope' })).toEqual({
      code: 'WORKER_ERROR',
      message: 'FORBIDDEN: nope',
    })
    expect(declaredTaskError({ code: 'toString', message: 'x' }).code).toBe('WORKER_ERROR')
  })
})

describe('a task result on the wire', () => {
  it('arrives with an undeclared error code mapped to WORKER_ERROR', () => {
    const parsed = taskResult.parse({
      taskId: 't',
      token: 1,
      ok: false,
      error: { code: 'MADE_UP', message: 'whatever' },
      retryable: false,
      durationMs: 1,
    })
    expect(parsed).toMatchObject({ ok: false, error: { code: 'WORKER_ERROR', message: 'MADE_UP: whatever' } })
  })

  it('refuses an error with fields beyond code and message', () => {
    const extra = { code: 'TIMEOUT', message: 'x', stack: 'secret' }
    const result = { taskId: 't', token: 1, ok: false, error: extra, retryable: true, durationMs: 1 }
    expect(taskResult.safeParse(result).success).toBe(false)
  })
})
