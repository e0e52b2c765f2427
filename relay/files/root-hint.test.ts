import { describe, expect, it } from 'vitest'
import { rootNameHint, shownRoots, underRoots } from './root-hint.ts'

describe('underRoots', () => {
  it('names the one root paths are relative to', () => {
    expect(underRoots('x.csv', ['/data/files'])).toBe(
      'under the file root <data-dir>/files (paths are relative to it)',
    )
  })

  it('names every root and the one relative paths start from', () => {
    expect(underRoots('x.csv', ['/data/files', '/mnt/more'])).toBe(
      'under the file roots <data-dir>/files, <file root 2> (relative paths are taken from <data-dir>/files)',
    )
  })

  it("adds a hint when the path starts with the root's own folder name", () => {
    expect(underRoots('files/x.csv', ['/data/files'])).toBe(
      'under the file root <data-dir>/files (paths are relative to it); it starts with "files/", the root\'s own folder: did you mean "x.csv"?',
    )
  })
})

describe('shownRoots', () => {
  it('names roots relative to the data directory, never by their server path', () => {
    expect(shownRoots(['/srv/mcpp/files', '/srv/mcpp/scratch/in', '/mnt/more'])).toEqual([
      '<data-dir>/files',
      '<data-dir>/scratch/in',
      '<file root 3>',
    ])
  })
})

describe('rootNameHint', () => {
  it('says nothing for other paths', () => {
    expect(rootNameHint('x.csv', '/data/files')).toBeUndefined()
    expect(rootNameHint('filesystem/x.csv', '/data/files')).toBeUndefined()
    expect(rootNameHint('/data/files/x.csv', '/data/files')).toBeUndefined()
    expect(rootNameHint('files/', '/data/files')).toBeUndefined()
  })
})
