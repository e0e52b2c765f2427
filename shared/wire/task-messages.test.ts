import { describe, expect, it } from 'vitest'
import { blockRequest, blockResponse, MAX_BLOCK_BYTES } from './block-protocol.ts'
import { MAX_CONCURRENCY, relayMessage, workerMessage } from './task-messages.ts'

// The schemas are zod/mini (shared/zod-mini.ts), which the browser worker loads; these
// pin what they accept and refuse, whichever zod builds them.

const hello = (extra: Record<string, unknown> = {}) => ({
  type: 'hello',
  version: 1,
  name: 'tab',
  kinds: ['echo'],
  concurrency: 2,
  ...extra,
})

const accepts = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) =>
  schema.safeParse(value).success

describe('worker frames', () => {
  it('accept a hello and give it an empty capability list when none is sent', () => {
    expect(workerMessage.parse(hello())).toMatchObject({ type: 'hello', capabilities: [] })
  })

  it('refuse unknown fields, unknown types and values outside their bounds', () => {
    expect(accepts(workerMessage, hello({ extra: 1 }))).toBe(false)
    expect(accepts(workerMessage, { type: 'hi' })).toBe(false)
    expect(accepts(workerMessage, hello({ kinds: [] }))).toBe(false)
    expect(accepts(workerMessage, hello({ kinds: ['x'.repeat(65)] }))).toBe(false)
    expect(accepts(workerMessage, hello({ concurrency: 0 }))).toBe(false)
    expect(accepts(workerMessage, hello({ concurrency: MAX_CONCURRENCY + 1 }))).toBe(false)
    expect(accepts(workerMessage, hello({ concurrency: 1.5 }))).toBe(false)
    expect(accepts(workerMessage, hello({ capabilities: ['mcpp:admin'] }))).toBe(false)
    expect(accepts(workerMessage, hello({ capabilities: ['gpu'], prefetch: 0 }))).toBe(true)
  })

  it('refuse a progress that is not a finite number', () => {
    const progress = (value: unknown) => ({ type: 'progress', taskId: 't', token: 0, progress: value })
    expect(accepts(workerMessage, progress(0.5))).toBe(true)
    expect(accepts(workerMessage, progress(Number.POSITIVE_INFINITY))).toBe(false)
    expect(accepts(workerMessage, progress(Number.NaN))).toBe(false)
  })

  it('refuse results with a negative token or duration, and empty result lists', () => {
    const result = { taskId: 't', token: 0, ok: true, output: null, durationMs: 3 }
    expect(accepts(workerMessage, { type: 'results', results: [result] })).toBe(true)
    expect(accepts(workerMessage, { type: 'results', results: [{ ...result, token: -1 }] })).toBe(false)
    expect(accepts(workerMessage, { type: 'results', results: [{ ...result, durationMs: -1 }] })).toBe(false)
    expect(accepts(workerMessage, { type: 'results', results: [] })).toBe(false)
  })
})

describe('relay frames', () => {
  const task = { taskId: 't', token: 0, kind: 'echo', input: 1, timeoutMs: 1000 }

  it('accept an assignment, with or without its origin, and refuse a zero time limit', () => {
    expect(accepts(relayMessage, { type: 'assign', tasks: [task] })).toBe(true)
    const origin = { tool: 'text_embed', workflowId: 'w', stepId: 's' }
    expect(accepts(relayMessage, { type: 'assign', tasks: [{ ...task, origin }] })).toBe(true)
    expect(accepts(relayMessage, { type: 'assign', tasks: [{ ...task, origin: { other: 1 } }] })).toBe(false)
    expect(accepts(relayMessage, { type: 'assign', tasks: [{ ...task, timeoutMs: 0 }] })).toBe(false)
  })

  it('refuse a drain without a reason', () => {
    expect(accepts(relayMessage, { type: 'drain', deadlineMs: 0, reason: 'bye' })).toBe(true)
    expect(accepts(relayMessage, { type: 'drain', deadlineMs: 0 })).toBe(false)
  })
})

describe('block protocol headers', () => {
  it('accept a get and a put within the block size, and nothing else', () => {
    expect(accepts(blockRequest, { op: 'get', cid: 'bafk' })).toBe(true)
    const put = { op: 'put', size: MAX_BLOCK_BYTES, taskId: 't', token: 0 }
    expect(accepts(blockRequest, put)).toBe(true)
    expect(accepts(blockRequest, { ...put, size: MAX_BLOCK_BYTES + 1 })).toBe(false)
    expect(accepts(blockRequest, { op: 'get', cid: '' })).toBe(false)
    expect(accepts(blockRequest, { op: 'delete', cid: 'bafk' })).toBe(false)
  })

  it('accept each response shape and refuse mixed ones', () => {
    expect(accepts(blockResponse, { ok: true, size: 3 })).toBe(true)
    expect(accepts(blockResponse, { ok: true, ready: true })).toBe(true)
    expect(accepts(blockResponse, { ok: false, code: 'QUOTA_EXCEEDED', message: 'full' })).toBe(true)
    expect(accepts(blockResponse, { ok: true, size: 3, cid: 'bafk' })).toBe(false)
    expect(accepts(blockResponse, { ok: false, size: 3 })).toBe(false)
  })
})
