import { describe, expect, it } from 'vitest'
import { lookupPath, MAX_PATH_LENGTH, parsePath } from './json-path.ts'

const at = (root: unknown, path: string) => {
  const parsed = parsePath(path)
  if (!parsed.ok) throw new Error(parsed.message)
  return lookupPath(root, parsed.segments)
}

describe('parsePath', () => {
  it('parses names, quoted names and indexes', () => {
    expect(parsePath("$.items[0]['a b'].te-xt")).toEqual({
      ok: true,
      segments: [{ name: 'items' }, { index: 0 }, { name: 'a b' }, { name: 'te-xt' }],
    })
    expect(parsePath('$')).toEqual({ ok: true, segments: [] })
    expect(parsePath("$['it\\'s\\\\']")).toEqual({ ok: true, segments: [{ name: "it's\\" }] })
  })

  it.each([
    ['items', 'must start with $'],
    ['$.items[-1]', 'expected an index'],
    ['$.items[01]', 'leading zero'],
    ['$..items', 'expected a name'],
    ['$.items[*]', 'expected an index'],
    ['$[?(@.x)]', 'expected an index'],
    ['$.a[0:2]', 'expected an index'],
    ["$['open", 'unterminated'],
    ["$['a\\x']", 'bad escape'],
    ['$.a b', 'unexpected " "'],
    ['$[99999999999999999999]', 'too large'],
  ])('refuses %s', (path, problem) => {
    const parsed = parsePath(path)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.message).toContain(problem)
  })

  it('refuses paths longer than the bound', () => {
    expect(parsePath(`$${'.a'.repeat(MAX_PATH_LENGTH)}`).ok).toBe(false)
    expect(parsePath(`$${'.a'.repeat(65)}`)).toMatchObject({ ok: false })
    expect(parsePath(`$${'.a'.repeat(64)}`)).toMatchObject({ ok: true })
  })
})

describe('lookupPath', () => {
  const doc = { items: [{ text: 'one' }, { text: 'two' }], 'a b': 1, n: null }

  it('selects the value at the path', () => {
    expect(at(doc, '$.items[1].text')).toEqual({ ok: true, value: 'two' })
    expect(at(doc, "$['a b']")).toEqual({ ok: true, value: 1 })
    expect(at(doc, '$.n')).toEqual({ ok: true, value: null })
    expect(at(doc, '$')).toEqual({ ok: true, value: doc })
  })

  it('says which prefix did not match and why', () => {
    expect(at(doc, '$.items[2].text')).toEqual({
      ok: false,
      message: '$.items has 2 item(s), so there is no index 2',
    })
    expect(at(doc, '$.items[0].title')).toEqual({ ok: false, message: '$.items[0] has no key "title"' })
    expect(at(doc, '$.items.text')).toEqual({ ok: false, message: '$.items is an array, not an object' })
    expect(at(doc, '$.n[0]')).toEqual({ ok: false, message: '$.n is null, not an array' })
    expect(at(doc, "$['a b'].x")).toEqual({ ok: false, message: "$['a b'] is a number, not an object" })
  })

  it('never reads inherited properties', () => {
    expect(at({}, '$.constructor').ok).toBe(false)
    expect(at({}, '$.__proto__').ok).toBe(false)
    expect(at([1], '$.length').ok).toBe(false)
    expect(at(JSON.parse('{"__proto__": 7}'), '$.__proto__')).toEqual({ ok: true, value: 7 })
  })
})
