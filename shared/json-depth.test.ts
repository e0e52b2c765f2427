import { describe, expect, it } from 'vitest'
import { DepthWalk, jsonDeeperThan, valueDeeperThan } from './json-depth.ts'

describe('jsonDeeperThan', () => {
  it('counts objects and arrays, not brackets inside strings', () => {
    expect(jsonDeeperThan('{"a":[1,{"b":2}]}', 3)).toBe(false)
    expect(jsonDeeperThan('{"a":[1,{"b":2}]}', 2)).toBe(true)
    expect(jsonDeeperThan('{"a":"[[[[[[\\"[[[["}', 1)).toBe(false)
    expect(jsonDeeperThan('"\\\\"', 0)).toBe(false)
  })

  it('finds 200,000 levels in linear time without recursion', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`
    expect(jsonDeeperThan(deep, 64)).toBe(true)
    expect(jsonDeeperThan(deep, 200_000)).toBe(false)
  })
})

describe('valueDeeperThan', () => {
  it('agrees with the text scan on parsed values', () => {
    const value = JSON.parse('{"a":[1,{"b":[]}]}')
    expect(valueDeeperThan(value, 4)).toBe(false)
    expect(valueDeeperThan(value, 3)).toBe(true)
    expect(valueDeeperThan(42, 0)).toBe(false)
  })

  it('walks a 100,000-level value without overflowing the stack', () => {
    let deep: unknown = []
    for (let i = 0; i < 100_000; i++) deep = [deep]
    expect(valueDeeperThan(deep, 64)).toBe(true)
  })
})

describe('DepthWalk', () => {
  it('answers only once it has visited enough, and then as valueDeeperThan does', () => {
    const value = { a: [{ b: [1, { c: {} }] }], d: {} }
    for (const limit of [3, 4, 5, 6]) {
      const walk = new DepthWalk(value, limit)
      const answers: Array<boolean | undefined> = []
      for (let i = 0; i < 10 && answers.at(-1) === undefined; i++) answers.push(walk.step(1))
      expect(answers.at(-1)).toBe(valueDeeperThan(value, limit))
      expect(answers[0]).toBeUndefined()
    }
  })
})
