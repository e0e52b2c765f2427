import { describe, expect, it } from 'vitest'
import { checkKind, suggestKinds } from './unknown-kinds.ts'

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

describe('checkKind', () => {
  const announced = new Set(['resize-image'])

  it('accepts built-in kinds and kinds a worker has announced', () => {
    expect(checkKind('sha256', new Set(), 'reject')).toEqual({ ok: true })
    expect(checkKind('resize-image', announced, 'reject')).toEqual({ ok: true })
  })

  it('rejects an unknown kind under reject, naming it and the closest known kind', () => {
    const check = checkKind('sha265', announced, 'reject')
    expect(check).toMatchObject({ ok: false, suggestions: ['sha256'] })
    expect(check.ok === false && check.message).toMatch(/"sha265".*did you mean "sha256"\?/)
  })

  it('accepts an unknown kind under warn, with a warning that names it', () => {
    const check = checkKind('sha265', announced, 'warn')
    expect(check.ok).toBe(true)
    expect(check.ok && check.warning).toMatch(/"sha265".*waits until a worker announces it.*"sha256"/)
  })
})
