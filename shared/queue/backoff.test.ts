import { describe, expect, it } from 'vitest'
import { retryDelayMs } from './backoff.ts'
import { canRun } from './eligibility.ts'

describe('retryDelayMs', () => {
  it('doubles per attempt between half and all of the exponential step', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, { baseMs: 100 }))).toEqual([50, 100, 200, 400])
    expect(retryDelayMs(3, { baseMs: 100, jitter: 0.5 })).toBe(300)
    expect(retryDelayMs(3, { baseMs: 100, jitter: 0.999 })).toBe(400)
  })

  it('caps the delay', () => {
    expect(retryDelayMs(40, { baseMs: 100, maxMs: 1000, jitter: 0.999 })).toBe(1000)
  })
})

describe('canRun', () => {
  const worker = { kinds: new Set(['echo', 'wasm']), capabilities: new Set(['gpu']) }
  it('needs the kind and every required capability', () => {
    expect(canRun({ kind: 'echo', requires: [] }, worker)).toBe(true)
    expect(canRun({ kind: 'wasm', requires: ['gpu'] }, worker)).toBe(true)
    expect(canRun({ kind: 'embed', requires: [] }, worker)).toBe(false)
    expect(canRun({ kind: 'echo', requires: ['gpu', 'big-memory'] }, worker)).toBe(false)
  })
})
