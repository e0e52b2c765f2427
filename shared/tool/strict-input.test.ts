import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineTool } from './define-tool.ts'
import { freeForm, freeValue } from './free-form.ts'
import { looseSpots } from './strict-input.ts'

const define = (input: z.ZodObject) =>
  defineTool({
    name: 'demo_tool',
    category: 'demo',
    description: 'Demo',
    input,
    output: z.object({}),
    handlers: { local: async () => ({}) },
  })

describe('looseSpots', () => {
  it('names nested objects that would drop unknown keys, through arrays, optionals and unions', () => {
    const input = z.strictObject({
      edges: z.array(z.object({ source: z.string() })).default([]),
      options: z.union([z.string(), z.object({ deep: z.looseObject({ x: z.number() }) })]).optional(),
    })
    expect(looseSpots(input).map((s) => s.path)).toEqual(['edges[]', 'options', 'options.deep'])
  })

  it('names records that are not declared free-form, and accepts those that are', () => {
    const input = z.strictObject({
      loose: z.record(z.string(), z.number()),
      declared: freeForm(z.record(z.string(), z.unknown()), 'Your own fields').optional(),
      refined: freeForm(z.record(z.string(), z.number()), 'Weights').refine((r) => Object.keys(r).length < 3),
    })
    expect(looseSpots(input).map((s) => s.path)).toEqual(['loose'])
  })

  it('walks the values of a free-form map', () => {
    const input = z.strictObject({
      filter: freeForm(z.record(z.string(), z.union([z.string(), z.object({ gte: z.number() })])), 'Filter'),
    })
    expect(looseSpots(input).map((s) => s.path)).toEqual(['filter.*'])
  })

  it('names values of any type not declared with freeValue, but not the values of a free-form map', () => {
    const input = z.strictObject({
      unknown: z.unknown(),
      any: z.array(z.any()).optional(),
      custom: z.custom<string>((v) => typeof v === 'string'),
      declared: freeValue(z.unknown(), 'Your own value').optional(),
      map: freeForm(z.record(z.string(), z.unknown()), 'Your own fields'),
    })
    expect(looseSpots(input).map((s) => s.path)).toEqual(['unknown', 'any[]', 'custom'])
  })

  it('finds nothing in a strict schema', () => {
    const input = z.strictObject({ a: z.array(z.strictObject({ b: z.string().optional() })).optional() })
    expect(looseSpots(input)).toEqual([])
  })
})

describe('defineTool', () => {
  it('refuses an input with a nested object that would drop unknown keys, naming where', () => {
    expect(() => define(z.object({ nodes: z.array(z.object({ id: z.string() })) }))).toThrow(
      /demo_tool.*nodes\[\] drops unknown keys/,
    )
  })

  it('refuses an input that takes any value undeclared, naming where', () => {
    expect(() => define(z.object({ value: z.unknown() }))).toThrow(/demo_tool.*value accepts any value/)
  })

  it('publishes a free value with its reason and the free-value mark', () => {
    const tool = define(z.object({ value: freeValue(z.unknown(), 'Any JSON value') }))
    expect(
      (tool.inputJsonSchema as unknown as { properties: Record<string, unknown> }).properties.value,
    ).toEqual({
      description: 'Any JSON value',
      'x-free-value': true,
    })
  })

  it('makes the top level strict itself', () => {
    const tool = define(z.object({ a: z.string() }))
    expect(tool.input.safeParse({ a: 'x', b: 1 }).success).toBe(false)
  })

  it('publishes a free-form map with its key type and its reason', () => {
    const tool = define(z.object({ meta: freeForm(z.record(z.string(), z.unknown()), 'Your own fields') }))
    expect(tool.inputJsonSchema.properties).toMatchObject({
      meta: { type: 'object', propertyNames: { type: 'string' }, description: 'Your own fields' },
    })
  })
})
