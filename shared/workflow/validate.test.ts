import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { StepSpec, WorkflowSpec } from './types.ts'
import { literalParams, validateWorkflow, type WorkflowCatalog, workflowRejected } from './validate.ts'

const toolSchemas: Record<string, z.ZodObject> = {
  text_hash: z.strictObject({ text: z.string(), algorithm: z.enum(['sha256', 'sha512']).optional() }),
  vector_add: z.strictObject({ index: z.string(), vectors: z.array(z.array(z.number())) }),
}
const checked: Array<{ tool: string; params: unknown; deferred: readonly string[] }> = []
const catalog: WorkflowCatalog = {
  hasTool: (name) => Object.hasOwn(toolSchemas, name),
  hasKind: (kind) => ['echo', 'embed', 'chunk'].includes(kind),
  checkParams(tool, params, deferred) {
    checked.push({ tool, params, deferred })
    const schema = toolSchemas[tool] as z.ZodObject
    const partial = schema.partial(
      Object.fromEntries(deferred.map((k) => [k, true])) as Record<string, true> as never,
    )
    const r = partial.safeParse(params)
    return r.success ? undefined : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
  },
}
const task = (id: string, input?: unknown, extra: Partial<StepSpec> = {}): StepSpec =>
  ({ id, type: 'task', kind: 'echo', input, ...extra }) as StepSpec
const errorsOf = (steps: StepSpec[]) => {
  const r = validateWorkflow({ steps }, catalog)
  return r.ok ? [] : r.errors.map(({ step, code }) => ({ step, code }))
}

describe('validateWorkflow', () => {
  it('accepts a chunk → map embed → index workflow and plans it', () => {
    const spec: WorkflowSpec = {
      steps: [
        {
          id: 'index',
          type: 'tool',
          tool: 'vector_add',
          params: { index: 'docs', vectors: { $ref: 'embed' } },
        },
        { id: 'chunk', type: 'task', kind: 'chunk', input: { text: 'a b c' } },
        {
          id: 'embed',
          type: 'map',
          over: { $ref: 'chunk', path: '$.chunks' },
          do: { type: 'task', kind: 'embed', input: { text: { $item: true }, model: { $cid: 'chunk' } } },
        },
      ],
    }
    const r = validateWorkflow(spec, catalog)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.plan.order.map((i) => r.plan.graph.ids[i])).toEqual(['chunk', 'embed', 'index'])
    expect([...r.plan.cidTargets]).toEqual(['chunk'])
  })

  it('refuses duplicate ids, naming the step and both places', () => {
    const r = validateWorkflow({ steps: [task('a'), task('b'), task('a')] }, catalog)
    expect(r).toMatchObject({
      ok: false,
      errors: [{ step: 'a', code: 'DUPLICATE_ID', message: 'steps[0] and steps[2] both have the id "a"' }],
    })
  })

  it('refuses references to unknown steps, in refs, CIDs and after', () => {
    expect(
      errorsOf([
        task('a', { x: { $ref: 'ghost' }, y: { $cid: 'phantom' } }),
        task('b', null, { after: ['nobody'] }),
      ]),
    ).toEqual([
      { step: 'a', code: 'UNKNOWN_STEP' },
      { step: 'a', code: 'UNKNOWN_STEP' },
      { step: 'b', code: 'UNKNOWN_STEP' },
    ])
    const r = validateWorkflow({ steps: [task('a', { x: [{ $ref: 'ghost' }] })] }, catalog)
    expect(!r.ok && r.errors[0]?.message).toBe('input.x[0]: there is no step "ghost"')
  })

  it('refuses a step that refers to itself', () => {
    expect(errorsOf([task('a', { $ref: 'a' }), task('b', null, { after: ['b'] })])).toEqual([
      { step: 'a', code: 'SELF_REFERENCE' },
      { step: 'b', code: 'SELF_REFERENCE' },
    ])
  })

  it('refuses a cycle, naming its steps in order', () => {
    const r = validateWorkflow(
      {
        steps: [
          task('load'),
          task('parse', { $ref: 'load' }, { after: ['store'] }),
          task('enrich', { $ref: 'parse', path: '$.rows' }),
          task('store', { $ref: 'enrich' }),
        ],
      },
      catalog,
    )
    expect(r).toEqual({
      ok: false,
      omitted: 0,
      errors: [
        {
          step: 'parse',
          code: 'CYCLE',
          message: 'steps form a cycle: parse → enrich → store → parse',
          cycle: ['parse', 'enrich', 'store'],
        },
      ],
    })
  })

  it('refuses a map whose over is not an earlier step', () => {
    const map = (over: string): StepSpec => ({
      id: 'm',
      type: 'map',
      over: { $ref: over },
      do: { type: 'task', kind: 'echo' },
    })
    expect(errorsOf([task('a'), map('nope')])).toEqual([{ step: 'm', code: 'BAD_MAP_OVER' }])
    expect(errorsOf([task('a'), map('m')])).toEqual([{ step: 'm', code: 'BAD_MAP_OVER' }])
    // A map over its own dependent is a cycle.
    const r = validateWorkflow({ steps: [map('late'), task('late', { $ref: 'm' })] }, catalog)
    expect(!r.ok && r.errors).toMatchObject([{ code: 'CYCLE', cycle: ['m', 'late'] }])
  })

  it('refuses $item outside a map template', () => {
    expect(errorsOf([task('a', { x: { $item: true } })])).toEqual([{ step: 'a', code: 'ITEM_OUTSIDE_MAP' }])
  })

  it('refuses malformed references instead of passing them as data', () => {
    expect(
      errorsOf([task('a'), task('b', { x: { $ref: 5 } }), task('c', { $ref: 'a', path: '$[-1]' })]),
    ).toEqual([
      { step: 'b', code: 'BAD_REFERENCE' },
      { step: 'c', code: 'BAD_REFERENCE' },
    ])
  })

  it('refuses unknown tools and kinds, in steps and map templates', () => {
    expect(
      errorsOf([
        task('a', null, { kind: 'mine-bitcoin' } as Partial<StepSpec>),
        { id: 't', type: 'tool', tool: 'rm_rf' },
        { id: 'm', type: 'map', over: { $ref: 'a' }, do: { type: 'tool', tool: 'nope' } },
      ]),
    ).toEqual([
      { step: 'a', code: 'UNKNOWN_KIND' },
      { step: 't', code: 'UNKNOWN_TOOL' },
      { step: 'm', code: 'UNKNOWN_TOOL' },
    ])
  })

  it("checks a tool step's literal params against its schema, deferring referenced keys", () => {
    const tool = (params: Record<string, unknown>): StepSpec => ({
      id: 'h',
      type: 'tool',
      tool: 'text_hash',
      params,
    })
    expect(errorsOf([task('a'), tool({ text: { $ref: 'a' } })])).toEqual([])
    expect(errorsOf([task('a'), tool({ text: { $ref: 'a' }, algorithm: 'md5' })])).toEqual([
      { step: 'h', code: 'INVALID_PARAMS' },
    ])
    expect(errorsOf([tool({ txt: 'hi' })])).toEqual([{ step: 'h', code: 'INVALID_PARAMS' }])
    expect(errorsOf([tool({})])).toEqual([{ step: 'h', code: 'INVALID_PARAMS' }])
    // A reference deep inside a key defers that whole key.
    expect(errorsOf([task('a'), tool({ text: { $literal: 'x' }, algorithm: 'sha256' })])).toEqual([])
    const r = validateWorkflow({ steps: [task('a'), tool({ text: 5, algorithm: { $ref: 'a' } })] }, catalog)
    expect(!r.ok && r.errors[0]?.message).toMatch(
      /^params: text: .*\(algorithm checked when the step runs\)$/,
    )
  })

  it('checks map templates with $item keys deferred', () => {
    checked.length = 0
    const steps: StepSpec[] = [
      task('list'),
      {
        id: 'm',
        type: 'map',
        over: { $ref: 'list' },
        do: { type: 'tool', tool: 'vector_add', params: { index: 'v', vectors: [{ $item: true }] } },
      },
    ]
    expect(errorsOf(steps)).toEqual([])
    expect(checked).toEqual([{ tool: 'vector_add', params: { index: 'v' }, deferred: ['vectors'] }])
  })

  it('validates a 1,000-step chain and a 1,000-wide fan-out', () => {
    const chain = Array.from({ length: 1000 }, (_, i) =>
      task(`s${i}`, i === 0 ? null : { $ref: `s${i - 1}` }),
    )
    const chained = validateWorkflow({ steps: chain }, catalog)
    expect(chained.ok && chained.plan.order.length).toBe(1000)
    const fan = [
      task('root'),
      ...Array.from({ length: 998 }, (_, i) => task(`leaf${i}`, { $ref: 'root', path: `$.parts[${i}]` })),
      task(
        'join',
        Array.from({ length: 998 }, (_, i) => ({ $ref: `leaf${i}` })),
      ),
    ]
    const fanned = validateWorkflow({ steps: fan }, catalog)
    expect(fanned.ok).toBe(true)
    if (!fanned.ok) return
    expect(fanned.plan.graph.deps[999]).toHaveLength(998)
    expect(fanned.plan.graph.dependents[0]).toHaveLength(998)
    expect(fanned.plan.graph.ids[fanned.plan.order[999] as number]).toBe('join')
  })

  it('reports the first errors in full and counts the rest', () => {
    const steps = Array.from({ length: 50 }, (_, i) =>
      task(`s${i}`, null, { kind: 'nope' } as Partial<StepSpec>),
    )
    const r = validateWorkflow({ steps }, catalog)
    expect(!r.ok && [r.errors.length, r.omitted]).toEqual([20, 30])
  })
})

describe('literalParams', () => {
  it('keeps literal keys (unwrapping escapes) and defers referenced ones', () => {
    expect(literalParams({ a: 1, b: { c: [{ $ref: 'x' }] }, d: { $literal: { $ref: 'y' } } })).toEqual({
      params: { a: 1, d: { $ref: 'y' } },
      deferred: ['b'],
    })
    expect(literalParams({ $ref: 'x' })).toBeUndefined()
    expect(literalParams(undefined)).toEqual({ params: {}, deferred: [] })
  })
})

describe('workflowRejected', () => {
  it('is INVALID_PARAMS with every error in details', () => {
    const error = workflowRejected([
      { step: 'a', code: 'UNKNOWN_KIND', message: 'kind: no worker runs "x"' },
      { code: 'CYCLE', message: 'm' },
    ])
    expect(error.code).toBe('INVALID_PARAMS')
    expect(error.message).toBe('invalid workflow: step "a": kind: no worker runs "x" (and 1 more)')
    expect(error.details).toEqual({
      errors: [
        { step: 'a', code: 'UNKNOWN_KIND', message: 'kind: no worker runs "x"' },
        { code: 'CYCLE', message: 'm' },
      ],
    })
  })
})
