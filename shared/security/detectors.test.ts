import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { CHECK_PATTERNS, detectors } from './detectors.ts'
import { scanText } from './scan.ts'

const { checkSync } = createRequire(import.meta.url)('recheck') as typeof import('recheck')

/** recheck's verdict on a pattern: `safe`, or how it backtracks and an attack string. */
function verdict(pattern: RegExp): string {
  const result = checkSync(pattern.source, pattern.flags, { timeout: 120_000, randomSeed: 9 })
  return result.status === 'safe'
    ? 'safe'
    : `${result.status}: ${'complexity' in result ? result.complexity?.type : ''} ${'attack' in result ? result.attack?.pattern : ''}`
}

describe('detector patterns (issue 9: regexes on untrusted text)', () => {
  it.each(detectors().map((d) => [d.type, d.pattern] as const))(
    '%s cannot backtrack catastrophically (recheck)',
    (_type, pattern) => {
      expect(verdict(pattern)).toBe('safe')
    },
    180_000,
  )

  it('the checks applied to matches cannot either', () => {
    for (const pattern of CHECK_PATTERNS) expect(verdict(pattern)).toBe('safe')
  }, 180_000)
})

describe('scanText on hostile text', () => {
  const repeat = (unit: string, chars: number) => unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars)

  it('finishes on 256 KB built against each pattern (the old ones took 7.6 s per 128 KB)', () => {
    const units = [
      'a.',
      'eyJJ-',
      '0-_',
      '1 ',
      '+1 (234) 567-890 ',
      'ghp_',
      'xoxb-',
      'AIza',
      'password=x ',
      '@.a',
    ]
    for (const unit of units) expect(scanText(repeat(unit, 256 * 1024))).toBeInstanceOf(Array)
  })

  it('keeps tens of thousands of findings apart without comparing each with all', () => {
    const text = repeat('ada@example.org AKIAIOSFODNN7EXAMPLE ', 1024 * 1024)
    const found = scanText(text)
    expect(found.length).toBeGreaterThan(50_000)
    for (let i = 1; i < found.length; i++) {
      expect((found[i] as { start: number }).start).toBeGreaterThanOrEqual(
        (found[i - 1] as { end: number }).end,
      )
    }
    expect(new Set(found.map((f) => f.type))).toEqual(new Set(['email', 'aws_access_key_id']))
  })
})
