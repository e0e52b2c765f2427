import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { confinePath } from './confine-path.ts'

const base = mkdtempSync(join(tmpdir(), 'mcpp-roots-'))
const root = join(base, 'files')
const outside = join(base, 'secret')
mkdirSync(join(root, 'sub'), { recursive: true })
mkdirSync(outside)
writeFileSync(join(outside, 'key'), 'secret')
symlinkSync(outside, join(root, 'escape'))

describe('confinePath', () => {
  it('resolves relative paths inside the first root, existing or not', () => {
    expect(confinePath('sub/a.txt', [root])).toBe(join(root, 'sub/a.txt'))
    expect(confinePath('new/dir/b.csv', [root])).toBe(join(root, 'new/dir/b.csv'))
    expect(confinePath(join(root, 'sub'), [root])).toBe(join(root, 'sub'))
  })

  it('refuses paths that climb out, absolute paths elsewhere and symlinks that lead out', () => {
    for (const bad of ['../secret/key', '/etc/passwd', 'sub/../../secret', 'escape/key', 'escape']) {
      expect(() => confinePath(bad, [root]), bad).toThrow(expect.objectContaining({ code: 'INVALID_PARAMS' }))
    }
  })

  it('accepts any of several roots', () => {
    expect(confinePath(join(outside, 'key'), [root, outside])).toBe(join(outside, 'key'))
  })
})
