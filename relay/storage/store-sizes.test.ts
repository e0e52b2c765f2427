import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { StoreSizes } from './store-sizes.ts'

const KIB = 1024

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpp-sizes-'))
  writeFileSync(join(dir, 'tasks.db'), Buffer.alloc(64 * KIB, 1))
  writeFileSync(join(dir, 'tasks.db-wal'), Buffer.alloc(32 * KIB, 1))
  mkdirSync(join(dir, 'blocks', 'AB'), { recursive: true })
  writeFileSync(join(dir, 'blocks', 'AB', 'one.data'), Buffer.alloc(16 * KIB, 1))
  writeFileSync(join(dir, 'stray'), Buffer.alloc(8 * KIB, 1))
  return dir
}

describe('StoreSizes', () => {
  it('sums each store over its files and folders, the -wal file with its database', async () => {
    const sizes = await new StoreSizes(dataDir()).current()
    // Allocated blocks: at least the bytes written, whatever the filesystem's block size.
    expect(sizes.get('tasks')).toBeGreaterThanOrEqual(96 * KIB)
    expect(sizes.get('blockstore')).toBeGreaterThanOrEqual(16 * KIB)
    expect(sizes.get('blockstore')).toBeLessThan(96 * KIB)
    expect(sizes.get('other')).toBeGreaterThanOrEqual(8 * KIB)
    expect(sizes.get('vectors')).toBe(0)
  })

  it('answers from its last walk until the interval has passed, then walks again', async () => {
    const dir = dataDir()
    let now = 0
    const sizes = new StoreSizes(dir, () => now, 30_000)
    const first = (await sizes.current()).get('files')
    expect(first).toBe(0)
    mkdirSync(join(dir, 'files'))
    writeFileSync(join(dir, 'files', 'new.bin'), Buffer.alloc(16 * KIB, 1))
    now = 29_000
    expect((await sizes.current()).get('files')).toBe(0)
    now = 31_000
    // The stale totals are answered while a new walk runs; the walk after it sees the file.
    await sizes.current()
    await expect.poll(async () => (await sizes.current()).get('files')).toBeGreaterThanOrEqual(16 * KIB)
  })
})
