import { describe, expect, it } from 'vitest'
import { classify, findRefs, referencedSteps, resolveRefs, type StepOutput } from './refs.ts'

describe('classify', () => {
  it('recognises the reference shapes', () => {
    expect(classify({ $ref: 'chunk' })).toEqual({ kind: 'ref', ref: { $ref: 'chunk' } })
    expect(classify({ $ref: 'chunk', path: '$.items[0]' })).toEqual({
      kind: 'ref',
      ref: { $ref: 'chunk', path: '$.items[0]' },
    })
    expect(classify({ $cid: 'embed' })).toEqual({ kind: 'ref', ref: { $cid: 'embed' } })
    expect(classify({ $item: true, path: '$.text' })).toEqual({
      kind: 'ref',
      ref: { $item: true, path: '$.text' },
    })
  })

  it('treats objects without a marker, arrays and scalars as literals', () => {
    for (const value of [{ ref: 'x' }, { path: '$' }, [{ $ref: 'x' }], 'x', 3, null, {}]) {
      expect(classify(value)).toEqual({ kind: 'literal' })
    }
  })

  it('treats a malformed reference as an error, not a literal', () => {
    for (const value of [
      { $ref: 5 },
      { $ref: '' },
      { $ref: 'has space' },
      { $ref: 'a', note: 1 },
      { $ref: 'a', path: 5 },
      { $ref: 'a', path: 'items' },
      { $cid: 'a', path: '$.x' },
      { $item: false },
      { $item: 'yes' },
      { $ref: 'a', $cid: 'a' },
    ]) {
      expect(classify(value).kind, JSON.stringify(value)).toBe('invalid')
    }
  })

  it('passes a $literal escape through unexamined', () => {
    expect(classify({ $literal: { $ref: '#/defs/x' } })).toEqual({
      kind: 'escaped',
      value: { $ref: '#/defs/x' },
    })
    expect(classify({ $literal: 1, other: 2 })).toEqual({ kind: 'literal' })
  })
})

describe('findRefs', () => {
  it('finds references anywhere in the value, with where they are', () => {
    const input = {
      text: { $ref: 'chunk', path: '$.items[0]' },
      list: [1, { $cid: 'embed' }, { deep: { $item: true } }],
      schema: { $literal: { $ref: 'not-a-step' } },
    }
    expect(findRefs(input, 'input')).toEqual({
      refs: [
        { ref: { $ref: 'chunk', path: '$.items[0]' }, at: 'input.text' },
        { ref: { $cid: 'embed' }, at: 'input.list[1]' },
        { ref: { $item: true }, at: 'input.list[2].deep' },
      ],
      problems: [],
    })
  })

  it('reports malformed references with their place', () => {
    expect(findRefs({ a: [{ $ref: 5 }] }, 'params').problems).toEqual([
      { at: 'params.a[0]', message: '$ref must name a step id (1–64 of A-Z a-z 0-9 _ . -)' },
    ])
  })

  it('lists the steps a value depends on once each', () => {
    expect(
      referencedSteps([{ $ref: 'b' }, { $cid: 'a' }, { $ref: 'b', path: '$.x' }, { $item: true }]),
    ).toEqual(['b', 'a'])
  })
})

describe('resolveRefs', () => {
  const outputs = new Map<string, StepOutput>([
    ['chunk', { value: { items: [{ text: 'hello' }, { text: 'world' }] }, cid: 'bafychunk' }],
    ['big', { cid: 'bafybig' }],
    ['small', { value: 42, cid: null }],
  ])

  it('replaces whole outputs, paths, CIDs, items and escapes', () => {
    const input = {
      all: { $ref: 'chunk' },
      second: { $ref: 'chunk', path: '$.items[1].text' },
      block: { $cid: 'big' },
      item: { $item: true, path: "$['id']" },
      keep: { $literal: { $ref: 'chunk' } },
      n: [{ $ref: 'small' }, 'x'],
    }
    expect(resolveRefs(input, { outputs, item: { value: { id: 7 } } })).toEqual({
      ok: true,
      value: {
        all: { items: [{ text: 'hello' }, { text: 'world' }] },
        second: 'world',
        block: 'bafybig',
        item: 7,
        keep: { $ref: 'chunk' },
        n: [42, 'x'],
      },
    })
  })

  it('fails naming the step and the path when a path does not match', () => {
    expect(resolveRefs({ t: { $ref: 'chunk', path: '$.items[5].text' } }, { outputs })).toEqual({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message:
          'path $.items[5].text does not match the output of step "chunk": $.items has 2 item(s), so there is no index 5',
      },
    })
    const wrongType = resolveRefs({ $ref: 'small', path: '$.x' }, { outputs })
    expect(wrongType).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    if (!wrongType.ok) expect(wrongType.error.message).toContain('step "small"')
  })

  it('fails clearly when an output, its value or its CID is missing', () => {
    const message = (value: unknown, item?: unknown) => {
      const r = resolveRefs(value, { outputs, ...(item === undefined ? {} : { item: { value: item } }) })
      return r.ok ? 'resolved' : r.error.message
    }
    expect(message({ $ref: 'nope' })).toBe('step "nope" has no output (it has not succeeded)')
    expect(message({ $ref: 'big' })).toBe('the output of step "big" was not loaded')
    expect(message({ $cid: 'small' })).toBe('step "small" has no CID for its output')
    expect(message({ $item: true })).toBe('$item is only meaningful inside a map step')
    expect(message({ $item: true, path: '$.x' }, [1])).toContain('the current item')
  })

  it('keeps a __proto__ key as plain data', () => {
    const r = resolveRefs(JSON.parse('{"__proto__": {"polluted": {"$ref": "small"}}}'), { outputs })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    const value = r.value as Record<string, unknown>
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.hasOwn(value, '__proto__')).toBe(true)
    expect((value as { polluted?: unknown }).polluted).toBeUndefined()
    expect(JSON.stringify(value)).toBe('{"__proto__":{"polluted":42}}')
  })
})
