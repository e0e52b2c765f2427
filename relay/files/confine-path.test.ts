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
symlinkSync(join(root, 'sub'), join(root, 'inside'))
symlinkSync(join(base, 'nowhere'), join(root, 'dangling'))
symlinkSync(join(root, 'loop-b'), join(root, 'loop-a'))
symlinkSync(join(root, 'loop-a'), join(root, 'loop-b'))

const refusal = (param = 'path') =>
  expect.objectContaining({
    code: 'INVALID_PARAMS',
    details: { problems: [expect.objectContaining({ param })] },
  })

describe('confinePath', () => {
  it('resolves relative paths inside the first root, existing or not', () => {
    expect(confinePath('sub/a.txt', [root])).toBe(join(root, 'sub/a.txt'))
    expect(confinePath('new/dir/b.csv', [root])).toBe(join(root, 'new/dir/b.csv'))
    expect(confinePath(join(root, 'sub'), [root])).toBe(join(root, 'sub'))
    expect(confinePath('sub/../sub/./c', [root])).toBe(join(root, 'sub/c'))
  })

  it('refuses paths that climb out, absolute paths elsewhere and symlinks that lead out', () => {
    for (const bad of [
      '../secret/key',
      '/etc/passwd',
      'sub/../../secret',
      'escape/key',
      'escape',
      'escape/new/file',
    ]) {
      expect(() => confinePath(bad, [root]), bad).toThrow(refusal())
    }
  })

  it('follows links whose target stays inside the roots', () => {
    expect(confinePath('inside/x.txt', [root])).toBe(join(root, 'inside/x.txt'))
  })

  it('refuses dangling and looping links, which a write would follow anywhere', () => {
    for (const bad of ['dangling', 'dangling/file', 'loop-a', 'loop-a/x']) {
      expect(() => confinePath(bad, [root], 'output'), bad).toThrow(refusal('output'))
    }
  })

  it('refuses NUL bytes, empty paths and over-long paths or names', () => {
    for (const bad of ['a\0b', 'sub/\0', '', 'x'.repeat(256), `${'d/'.repeat(2100)}f`]) {
      expect(() => confinePath(bad, [root]), JSON.stringify(bad.slice(0, 20))).toThrow(refusal())
    }
  })

  it('refuses paths more than 64 names deep, which no walk could remove safely', () => {
    expect(() => confinePath(`${'a/'.repeat(64)}f`, [root])).toThrow('has more than 64 names')
    expect(confinePath(`${'a/'.repeat(63)}f`, [root])).toBe(join(root, `${'a/'.repeat(63)}f`))
  })

  it('accepts any of several roots', () => {
    expect(confinePath(join(outside, 'key'), [root, outside])).toBe(join(outside, 'key'))
  })
})
