import { describe, expect, it } from 'vitest'
import { looseSpots } from '../tool/strict-input.ts'
import { MAX_STEPS, workflowSpecSchema } from './spec-schema.ts'

const parse = (spec: unknown) => workflowSpecSchema.safeParse(spec)
const issuePaths = (spec: unknown) => {
  const r = parse(spec)
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'))
}
const task = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'task',
  kind: 'echo',
  ...extra,
})

describe('workflowSpecSchema', () => {
  it('fills in the documented defaults', () => {
    const r = parse({
      steps: [
        task('a'),
        { id: 'b', type: 'tool', tool: 'text_hash', params: { text: { $ref: 'a' } } },
        { id: 'c', type: 'map', over: { $ref: 'a', path: '$.items' }, do: { type: 'task', kind: 'embed' } },
      ],
    })
    expect(r.success).toBe(true)
    if (!r.success) return
    expect(r.data.onFailure).toBe('fail-fast')
    expect(r.data.steps[0]).toMatchObject({ maxAttempts: 3, timeoutMs: 60_000, priority: 0 })
    expect(r.data.steps[1]).toMatchObject({ maxAttempts: 1, priority: 0 })
    expect(r.data.steps[2]).toMatchObject({ parallelism: 16, do: { maxAttempts: 3 } })
  })

  it('accepts trust as the task tool writes it and as stored', () => {
    const r = parse({ steps: [task('a', { trust: 'quorum:3' }), task('b', { trust: { level: 'any' } })] })
    expect(r.success && r.data.steps.map((s) => ('trust' in s ? s.trust : undefined))).toEqual([
      { level: 'quorum', k: 3 },
      { level: 'any' },
    ])
    expect(issuePaths({ steps: [task('a', { trust: 'quorum:99' })] })).toEqual(['steps.0.trust'])
  })

  it('refuses unknown keys, bad ids and out-of-range numbers', () => {
    expect(issuePaths({ steps: [task('a', { colour: 'red' })] })).toEqual(['steps.0'])
    expect(issuePaths({ steps: [task('has space')] })).toEqual(['steps.0.id'])
    expect(issuePaths({ steps: [task('x'.repeat(65))] })).toEqual(['steps.0.id'])
    expect(issuePaths({ steps: [task('a', { maxAttempts: 11 })] })).toEqual(['steps.0.maxAttempts'])
    expect(issuePaths({ steps: [task('a', { maxAttempts: 0 })] })).toEqual(['steps.0.maxAttempts'])
    expect(issuePaths({ steps: [task('a', { timeoutMs: 3_600_001 })] })).toEqual(['steps.0.timeoutMs'])
    expect(issuePaths({ steps: [task('a', { priority: 1001 })] })).toEqual(['steps.0.priority'])
    expect(issuePaths({ steps: [task('a', { kind: 'k'.repeat(65) })] })).toEqual(['steps.0.kind'])
    expect(issuePaths({ steps: [task('a')], onFailure: 'retry' })).toEqual(['onFailure'])
    expect(issuePaths({ steps: [] })).toEqual(['steps'])
    const map = (parallelism: number) => ({
      id: 'm',
      type: 'map',
      over: { $ref: 'a' },
      do: { type: 'task', kind: 'echo' },
      parallelism,
    })
    expect(issuePaths({ steps: [task('a'), map(257)] })).toEqual(['steps.1.parallelism'])
    expect(issuePaths({ steps: [task('a'), map(0)] })).toEqual(['steps.1.parallelism'])
    expect(issuePaths({ steps: [task('a'), { ...map(1), over: { $ref: 'a', path: '$..x' } }] })).toEqual([
      'steps.1.over.path',
    ])
  })

  it(`refuses more than ${MAX_STEPS} steps`, () => {
    const steps = Array.from({ length: MAX_STEPS + 1 }, (_, i) => task(`s${i}`))
    expect(issuePaths({ steps })).toEqual(['steps'])
    expect(parse({ steps: steps.slice(0, MAX_STEPS) }).success).toBe(true)
  })

  it('bounds the depth and size of inputs and params', () => {
    let deep: unknown = 1
    for (let i = 0; i < 100; i++) deep = [deep]
    expect(issuePaths({ steps: [task('a', { input: deep })] })).toEqual(['steps.0.input'])
    const big = 'x'.repeat(1024 * 1024)
    expect(issuePaths({ steps: [task('a', { input: big })] })).toEqual(['steps.0.input'])
    expect(issuePaths({ steps: [{ id: 't', type: 'tool', tool: 'x', params: { big } }] })).toEqual([
      'steps.0.params',
    ])
  })

  it('has no loose spots a tool input may not have', () => {
    expect(looseSpots(workflowSpecSchema)).toEqual([])
  })
})
