import { describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { valueDeeperThan as depthExceeds } from '../json-depth.ts'
import { closestNames } from './closest-names.ts'
import { defineTool } from './define-tool.ts'
import {
  assertParamsDepth,
  assertParamsDepthInTurns,
  describeProblems,
  formatPath,
  MAX_PARAMS_DEPTH,
  parseToolInput,
  validate,
} from './validate.ts'

// The real function, counted: how many hints a validation computes.
vi.mock('./closest-names.ts', async (original) => {
  const actual = await original<typeof import('./closest-names.ts')>()
  return { ...actual, closestNames: vi.fn(actual.closestNames) }
})

function nested(depth: number): unknown {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value]
  return value
}

describe('valueDeeperThan on params', () => {
  it('counts objects and arrays, not primitives', () => {
    expect(depthExceeds(1, 0)).toBe(false)
    expect(depthExceeds({}, 0)).toBe(true)
    expect(depthExceeds({ a: [1, { b: 'x' }] }, 3)).toBe(false)
    expect(depthExceeds({ a: [1, { b: 'x' }] }, 2)).toBe(true)
  })

  it('finds the deep branch beside shallow ones', () => {
    expect(depthExceeds({ wide: Array.from({ length: 1000 }, () => ({})), deep: nested(10) }, 10)).toBe(true)
  })

  it('handles a million levels without recursion', () => {
    expect(depthExceeds(nested(1_000_000), MAX_PARAMS_DEPTH)).toBe(true)
  })
})

describe('assertParamsDepth', () => {
  it('accepts the limit and refuses one level more with INVALID_PARAMS', () => {
    expect(() => assertParamsDepth(nested(MAX_PARAMS_DEPTH))).not.toThrow()
    expect(() => assertParamsDepth(nested(MAX_PARAMS_DEPTH + 1))).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMS' }),
    )
  })

  it('in turns: pauses between steps of a large walk and answers as the walk in one piece', async () => {
    const wide = { items: Array.from({ length: 20_000 }, (_, i) => ({ i, tags: [i] })) }
    let pauses = 0
    const pause = () => {
      pauses++
      return undefined
    }
    await assertParamsDepthInTurns(wide, pause)
    expect(pauses).toBeGreaterThan(0)
    const deep = { items: [...wide.items, nested(MAX_PARAMS_DEPTH)] }
    await expect(assertParamsDepthInTurns(deep, pause)).rejects.toMatchObject({ code: 'INVALID_PARAMS' })
    // A member of params found within the limit is not walked again (tools_dispatch's inner params).
    pauses = 0
    await assertParamsDepthInTurns(wide.items, pause)
    expect(pauses).toBe(0)
  })
})

describe('validate', () => {
  const schema = z.strictObject({
    name: z.string(),
    edges: z.array(
      z.strictObject({ source: z.string(), attributes: z.record(z.string(), z.unknown()).optional() }),
    ),
    texts: z
      .array(z.strictObject({ text: z.string(), metadata: z.record(z.string(), z.unknown()).optional() }))
      .optional(),
  })

  it('names a nested unknown key by its path, array positions in brackets', () => {
    const result = validate(schema, {
      name: 'g',
      edges: [
        { source: 'a', attributes: {} },
        { source: 'b', weight: 2 },
      ],
    })
    expect(result).toEqual({
      ok: false,
      problems: [{ param: 'edges[1].weight', problem: 'unknown parameter' }],
    })
  })

  it('suggests the parameter a misspelt key probably meant', () => {
    const result = validate(schema, { name: 'v', edges: [], texts: [{ text: 'x', meta: { lang: 'en' } }] })
    expect(result).toEqual({
      ok: false,
      problems: [{ param: 'texts[0].meta', problem: 'unknown parameter', hint: 'did you mean metadata?' }],
    })
  })

  it('names the new name of a renamed parameter', () => {
    const result = validate(schema, { index: 'g', edges: [] }, { renamed: { index: 'name' } })
    expect(result.ok).toBe(false)
    expect(!result.ok && result.problems).toContainEqual({
      param: 'index',
      problem: 'unknown parameter',
      hint: '`index` was renamed `name`',
    })
  })

  it('does not take a key named like an Object member for a renamed one', () => {
    const result = validate(
      schema,
      { constructor: 1, toString: 2, name: 'g', edges: [] },
      { renamed: { index: 'name' } },
    )
    expect(result).toEqual({
      ok: false,
      problems: [
        { param: 'constructor', problem: 'unknown parameter' },
        { param: 'toString', problem: 'unknown parameter' },
      ],
    })
  })

  it('reports and hints the first 20 of 100,000 unknown keys and counts the rest', () => {
    const tool = defineTool({
      name: 'demo_tool',
      category: 'demo',
      description: 'Demo',
      input: z.object({ name: z.string().describe('A name') }),
      output: z.object({}),
      handlers: { local: async () => ({}) },
    })
    const params: Record<string, unknown> = { name: 'x' }
    for (let i = 0; i < 100_000; i++) params[`key${i}`] = i
    vi.mocked(closestNames).mockClear()
    let error: { message: string; details?: Record<string, unknown> } | undefined
    try {
      parseToolInput(tool, params)
    } catch (err) {
      error = err as typeof error
    }
    expect(vi.mocked(closestNames).mock.calls.length).toBeGreaterThan(0)
    expect(vi.mocked(closestNames).mock.calls.length).toBeLessThanOrEqual(20)
    expect(error?.message).toMatch(/; key19: unknown parameter; and 99,980 more$/)
    expect(error?.message.match(/unknown parameter/g)).toHaveLength(20)
    expect(error?.details).toMatchObject({ moreProblems: 99_980 })
    expect(error?.details?.problems).toHaveLength(20)
  })

  it('describes problems as path: problem (hint)', () => {
    expect(
      describeProblems([
        { param: 'edges[0].weight', problem: 'unknown parameter' },
        { param: 'index', problem: 'unknown parameter', hint: '`index` was renamed `name`' },
      ]),
    ).toBe('edges[0].weight: unknown parameter; index: unknown parameter (`index` was renamed `name`)')
  })
})

describe('formatPath', () => {
  it('writes keys with dots and positions in brackets', () => {
    expect(formatPath(['steps', 1, 'derive', 'sql'])).toBe('steps[1].derive.sql')
    expect(formatPath([0, 'a'])).toBe('[0].a')
    expect(formatPath([])).toBe('')
  })
})
