import { describe, expect, it } from 'vitest'
import { checkKinds, type KindSource, MAX_SUGGESTION_CANDIDATES, suggestKinds } from './unknown-kinds.ts'

describe('suggestKinds', () => {
  it('suggests the built-in kind a typo was meant to be', () => {
    expect(suggestKinds('sha265', [])).toEqual(['sha256'])
    expect(suggestKinds('ecoh', [])).toContain('echo')
  })

  it('suggests kinds workers announced as well as built-in ones', () => {
    expect(suggestKinds('resize-imag', ['resize-image', 'transcode'])).toEqual(['resize-image'])
  })

  it('suggests nothing for a name close to no kind', () => {
    expect(suggestKinds('transmogrify', ['resize-image'])).toEqual([])
  })
})

/** A source over a plain set (the relay's reads connected workers and its memory). */
function source(kinds: Iterable<string>): KindSource & { read: number } {
  const set = new Set(kinds)
  const s = {
    read: 0,
    has: (kind: string) => set.has(kind),
    *near() {
      for (const k of set) {
        s.read++
        yield k
      }
    },
  }
  return s
}

describe('checkKinds', () => {
  const announced = source(['resize-image'])

  it('accepts built-in kinds and kinds a worker has announced', () => {
    expect(checkKinds(['sha256'], source([]), 'reject')).toEqual({ ok: true })
    expect(checkKinds(['resize-image', 'echo'], announced, 'reject')).toEqual({ ok: true })
  })

  it('rejects an unknown kind under reject, naming it and the closest known kind', () => {
    const check = checkKinds(['sha265'], announced, 'reject')
    expect(check).toMatchObject({ ok: false, kind: 'sha265', suggestions: ['sha256'] })
    expect(check.ok === false && check.message).toMatch(/"sha265".*did you mean "sha256"\?/)
  })

  it('accepts an unknown kind under warn, with a warning that names it', () => {
    const check = checkKinds(['sha265'], announced, 'warn')
    expect(check.ok).toBe(true)
    expect(check.ok && check.warning).toMatch(/"sha265".*waits until a worker announces it.*"sha256"/)
  })

  it('suggests once per call, over a bounded candidate set, however many kinds are unknown', () => {
    const remembered = source(Array.from({ length: 10_000 }, (_, i) => `custom-kind-${i}`))
    const batch = Array.from({ length: 1_000 }, (_, i) => `typo-kind-${i}`)
    for (const policy of ['reject', 'warn'] as const) {
      let calls = 0
      let compared = 0
      const check = checkKinds(batch, remembered, policy, (kind, candidates) => {
        calls++
        compared += candidates.length
        return suggestKinds(kind, candidates)
      })
      expect(check.ok).toBe(policy === 'warn')
      expect(calls).toBe(1)
      expect(compared).toBeLessThanOrEqual(MAX_SUGGESTION_CANDIDATES)
    }
    expect(remembered.read).toBeLessThanOrEqual(2 * MAX_SUGGESTION_CANDIDATES)
  })

  it('names a few unknown kinds in a warning and counts the rest', () => {
    const check = checkKinds(
      Array.from({ length: 20 }, (_, i) => `nope-${i}`),
      source([]),
      'warn',
    )
    expect(check.ok && check.warning).toMatch(/"nope-0", .*"nope-4" and 15 more/)
  })
})
