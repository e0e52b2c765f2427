import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { McppError } from '../errors.ts'
import { defineTool } from './define-tool.ts'
import { ToolRegistry } from './registry.ts'
import { parseToolInput, parseToolOutput } from './validate.ts'

const tool = (name: string, category: string, description: string, input = z.object({})) =>
  defineTool({
    name,
    category,
    description,
    input,
    output: z.object({ ok: z.boolean() }),
    handlers: { local: async () => ({ ok: true }) },
  })

function registry() {
  const r = new ToolRegistry()
  r.addCategory({ name: 'files', description: 'File tools' })
  r.addCategory({ name: 'math', description: 'Arithmetic' })
  r.addCategory({ name: 'empty', description: 'Nothing yet' })
  r.register(
    tool('files_read', 'files', 'Read a file from disk', z.object({ path: z.string() })),
    tool('files_write', 'files', 'Write bytes to a file', z.object({ path: z.string(), data: z.string() })),
    tool('math_add', 'math', 'Add two numbers', z.object({ a: z.number(), b: z.number() })),
    tool(
      'math_hash_table',
      'math',
      'Build a lookup table keyed by ttlSeconds',
      z.object({ ttlSeconds: z.number() }),
    ),
  )
  return r
}

describe('ToolRegistry', () => {
  it('counts tools per category, listing empty categories too', () => {
    expect(registry().categories()).toEqual([
      { name: 'empty', description: 'Nothing yet', toolCount: 0 },
      { name: 'files', description: 'File tools', toolCount: 2 },
      { name: 'math', description: 'Arithmetic', toolCount: 2 },
    ])
  })

  it('refuses duplicate tools, duplicate categories and tools in unknown categories', () => {
    const r = registry()
    expect(() => r.register(tool('files_read', 'files', 'again'))).toThrow(/already registered/)
    expect(() => r.addCategory({ name: 'math', description: 'x' })).toThrow(/already registered/)
    expect(() => r.register(tool('nope_x', 'nope', 'x'))).toThrow(/unknown category "nope"/)
  })

  it('lists a category and names the valid ones for an unknown category', () => {
    const r = registry()
    expect(r.inCategory('math').map((t) => t.name)).toEqual(['math_add', 'math_hash_table'])
    try {
      r.inCategory('maths')
      expect.unreachable()
    } catch (err) {
      expect((err as McppError).code).toBe('UNKNOWN_CATEGORY')
      expect((err as McppError).details).toEqual({ validCategories: ['empty', 'files', 'math'] })
    }
  })

  it('suggests the closest names for an unknown tool', () => {
    const err = (() => {
      try {
        registry().require('file_read')
      } catch (e) {
        return e as McppError
      }
    })()
    expect(err?.code).toBe('UNKNOWN_TOOL')
    expect((err!.details!.suggestions as string[])[0]).toBe('files_read')
  })
})

describe('tool search', () => {
  it('ranks the tool whose name matches first', () => {
    const hits = registry().search('write file', 4)
    expect(hits[0]).toMatchObject({ name: 'files_write', category: 'files' })
  })

  it('matches parameter names split from camelCase and honours the limit and category', () => {
    const r = registry()
    expect(r.search('ttl seconds', 5)[0]?.name).toBe('math_hash_table')
    expect(r.search('file', 1)).toHaveLength(1)
    expect(r.search('add', 5, 'files').every((h) => h.category === 'files')).toBe(true)
    expect(r.search('zebra quantum', 5)).toEqual([])
  })
})

describe('parameter validation', () => {
  const add = registry().require('math_add')

  it('names an unknown, a missing and a mistyped parameter', () => {
    const problems = (params: unknown) => {
      try {
        parseToolInput(add, params)
        return []
      } catch (err) {
        return (err as McppError).details?.problems
      }
    }
    expect(problems({ a: 1, b: 2, c: 3 })).toEqual([{ param: 'c', problem: 'unknown parameter' }])
    expect(problems({ a: 1 })).toEqual([{ param: 'b', problem: 'required parameter is missing' }])
    expect(problems({ a: 1, b: 'two' })).toEqual([{ param: 'b', problem: expect.stringContaining('number') }])
    expect(parseToolInput(add, { a: 1, b: 2 })).toEqual({ a: 1, b: 2 })
  })

  it('treats output that does not match the schema as INVALID_OUTPUT', () => {
    expect(() => parseToolOutput(add, { ok: 'yes' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OUTPUT' }),
    )
  })
})
