import { describe, expect, it } from 'vitest'
import { canRun } from './eligibility.ts'

describe('canRun', () => {
  const worker = { kinds: new Set(['echo', 'wasm']), capabilities: new Set(['gpu', 'big-memory']) }

  it('needs the kind', () => {
    expect(canRun({ kind: 'echo', requires: [] }, worker)).toBe(true)
    expect(canRun({ kind: 'embed', requires: [] }, worker)).toBe(false)
  })

  it('needs every required capability', () => {
    expect(canRun({ kind: 'wasm', requires: ['gpu'] }, worker)).toBe(true)
    expect(canRun({ kind: 'wasm', requires: ['gpu', 'big-memory'] }, worker)).toBe(true)
    expect(canRun({ kind: 'echo', requires: ['gpu', 'tpu'] }, worker)).toBe(false)
  })

  it('does not count a kind as a capability', () => {
    expect(canRun({ kind: 'echo', requires: ['wasm'] }, worker)).toBe(false)
  })

  it('runs nothing for a worker without kinds', () => {
    expect(canRun({ kind: 'echo', requires: [] }, { kinds: new Set(), capabilities: new Set() })).toBe(false)
  })
})
