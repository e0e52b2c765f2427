import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readNoFollow, walkTree } from './walk-tree.ts'

const base = mkdtempSync(join(tmpdir(), 'mcpp-walk-'))
const root = join(base, 'root')
const outside = join(base, 'outside')
mkdirSync(join(root, 'a/b'), { recursive: true })
mkdirSync(join(outside, 'deep'), { recursive: true })
writeFileSync(join(outside, 'secret'), 'secret')
writeFileSync(join(outside, 'deep', 'x'), 'x')
writeFileSync(join(root, 'a', 'one'), '1')
writeFileSync(join(root, 'a/b', 'two'), '2')
writeFileSync(join(root, '.hidden'), 'h')
symlinkSync(outside, join(root, 'a', 'dir-link'))
symlinkSync(join(outside, 'secret'), join(root, 'file-link'))
symlinkSync(root, join(root, 'a/b', 'loop'))

async function all(options = {}) {
  const out: string[] = []
  for await (const e of walkTree(root, options)) out.push(`${e.kind}:${e.relative}`)
  return out
}

describe('walkTree', () => {
  it('lists every entry once, reporting links without entering or reading them', async () => {
    expect(await all()).toEqual([
      'file:.hidden',
      'directory:a',
      'symlink:file-link',
      'directory:a/b',
      'symlink:a/dir-link',
      'file:a/one',
      'symlink:a/b/loop',
      'file:a/b/two',
    ])
  })

  it('skips hidden names and sub-folders when asked', async () => {
    expect(await all({ hidden: false, recursive: false })).toEqual(['directory:a', 'symlink:file-link'])
  })

  it('stops when its signal is aborted', async () => {
    await expect(all({ signal: AbortSignal.abort() })).rejects.toThrow()
  })

  it('reads files but refuses one whose name became a link', async () => {
    const read = async (path: string) => {
      const chunks: Uint8Array[] = []
      for await (const chunk of readNoFollow(path, 1)) chunks.push(chunk)
      return Buffer.concat(chunks).toString()
    }
    expect(await read(join(root, 'a', 'one'))).toBe('1')
    await expect(read(join(root, 'file-link'))).rejects.toMatchObject({ code: 'ELOOP' })
  })
})
