import { describe, expect, it } from 'vitest'
import { checkNodeVersion } from './node-version.ts'

describe('checkNodeVersion', () => {
  it('accepts the version named by the range and newer ones', () => {
    for (const version of ['22.16.0', '22.16.1', '22.23.3', '23.0.0', '24.1.0', 'v22.16.0']) {
      expect(checkNodeVersion(version, '>=22.16')).toEqual({ ok: true })
    }
  })

  it('refuses older versions, naming the version needed and the one running', () => {
    for (const version of ['22.15.9', '22.5.0', '20.20.2', '18.0.0']) {
      const check = checkNodeVersion(version, '>=22.16')
      expect(check).toMatchObject({ ok: false, needed: '22.16' })
      if (!check.ok) {
        expect(check.message).toContain('Node.js 22.16 or newer is needed')
        expect(check.message).toContain(`this is Node.js ${version}`)
        expect(check.message).not.toContain('\n')
      }
    }
  })

  it('compares every part of the range, patch included', () => {
    expect(checkNodeVersion('22.16.2', '>=22.16.3').ok).toBe(false)
    expect(checkNodeVersion('22.16.3', '>=22.16.3').ok).toBe(true)
    expect(checkNodeVersion('21.99.0', '>=22').ok).toBe(false)
  })

  it('does not judge a range in another form', () => {
    expect(checkNodeVersion('18.0.0', '^22.16 || >=24')).toEqual({ ok: true })
  })
})
