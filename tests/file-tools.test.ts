import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { errorMeta, toolHarness } from './helpers.ts'

const h = toolHarness()
const { call, ok } = h
const put = (name: string, content: string | Uint8Array) =>
  writeFileSync(join(h.relay.components.config.dataDir, 'files', name), content)

/** The 8-byte PNG signature and a 1×1 IHDR chunk: enough for a type check. */
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')

describe('file tools', () => {
  it('detects types from the bytes, not the names', async () => {
    put('picture.dat', PNG)
    put('archive.bin', gzipSync('hello'))
    put('table.txt', 'a,b\n1,2\n3,4\n')
    put('lines.data', '{"a":1}\n{"a":2}\n')
    put('letter.csv', 'Dear reader, hello.\nThis is a letter\n')
    put('noise.csv', Buffer.from([0, 1, 2, 3, 255, 254, 0, 7]))
    const detect = async (path: string) => {
      const { mime, tabular, text } = await ok('file_detect_type', { path })
      return { mime, tabular, text }
    }
    expect(await detect('picture.dat')).toEqual({ mime: 'image/png', tabular: null, text: false })
    expect(await detect('archive.bin')).toEqual({ mime: 'application/gzip', tabular: null, text: false })
    expect(await detect('table.txt')).toEqual({ mime: 'text/csv', tabular: 'csv', text: true })
    expect(await detect('lines.data')).toEqual({ mime: 'application/x-ndjson', tabular: 'jsonl', text: true })
    expect(await detect('letter.csv')).toEqual({ mime: 'text/plain', tabular: null, text: true })
    expect(await detect('noise.csv')).toEqual({
      mime: 'application/octet-stream',
      tabular: null,
      text: false,
    })
  })

  it("says which root a missing path is relative to, and when it repeats the root's own name", async () => {
    put('rooted.csv', 'a\n1\n')
    // Remote callers see the root relative to the data directory, never the server's path.
    const root = '<data-dir>/files'
    const { dataDir } = h.relay.components.config
    const text = (result: any) => result.content.map((c: any) => c.text).join('\n')
    for (const [tool, params] of [
      ['file_hash', { path: 'files/rooted.csv' }],
      ['dataset_load', { name: 'rooted', source: { path: 'files/rooted.csv' } }],
      ['media_probe', { path: 'files/rooted.csv' }],
    ] as const) {
      const result = await call(tool, params)
      expect(errorMeta(result), tool).toMatchObject({
        code: 'NOT_FOUND',
        root,
        problems: [{ param: 'path', problem: 'not a file', hint: expect.stringContaining('"rooted.csv"') }],
      })
      expect(text(result), tool).toContain(`under the file root ${root} (paths are relative to it)`)
      expect(JSON.stringify(result), tool).not.toContain(dataDir)
    }
    const folder = await call('file_list', { dir: 'nowhere' })
    expect(errorMeta(folder)).toMatchObject({
      code: 'NOT_FOUND',
      problems: [{ param: 'dir', problem: 'not a folder' }],
    })
    expect(errorMeta(folder).problems[0].hint).toBeUndefined()
    expect(text(folder)).toContain(`under the file root ${root}`)
    const outside = await call('file_hash', { path: '/etc/hostname' })
    expect(errorMeta(outside).code).toBe('INVALID_PARAMS')
    expect(text(outside)).toContain(`outside the file root ${root}`)
    expect(JSON.stringify([folder, outside])).not.toContain(dataDir)
    expect((await ok('file_hash', { path: 'rooted.csv' })).bytes).toBe(4)
  })

  it('hashes files with the usual digests', async () => {
    put('abc.txt', 'abc')
    expect(await ok('file_hash', { path: 'abc.txt' })).toEqual({
      path: 'abc.txt',
      algorithm: 'sha256',
      hex: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      bytes: 3,
    })
    expect((await ok('file_hash', { path: 'abc.txt', algorithm: 'md5' })).hex).toBe(
      '900150983cd24fb0d6963f7d28e17f72',
    )
  })

  it('converts CSV → Parquet → JSON Lines → JSON → CSV without losing rows or values', async () => {
    put('people.csv', 'name,age\nAda,36\nAlan,41\nGrace,85\n')
    expect(await ok('file_convert', { path: 'people.csv', to: 'parquet' })).toMatchObject({
      path: 'people.parquet',
      format: 'parquet',
      rows: 3,
    })
    expect((await ok('file_detect_type', { path: 'people.parquet' })).tabular).toBe('parquet')
    await ok('file_convert', { path: 'people.parquet', to: 'jsonl' })
    const lines = readFileSync(join(h.relay.components.config.dataDir, 'files', 'people.jsonl'), 'utf8')
    expect(
      lines
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { name: 'Ada', age: 36 },
      { name: 'Alan', age: 41 },
      { name: 'Grace', age: 85 },
    ])
    await ok('file_convert', { path: 'people.jsonl', to: 'json' })
    await ok('file_convert', { path: 'people.json', to: 'csv', output: 'round/people.csv' })
    expect(
      readFileSync(join(h.relay.components.config.dataDir, 'files', 'round', 'people.csv'), 'utf8'),
    ).toBe('name,age\nAda,36\nAlan,41\nGrace,85\n')
  })

  it('lists files under a folder', async () => {
    const out = await ok('file_list', { dir: 'round' })
    expect(out).toEqual({ files: [{ path: 'round/people.csv', bytes: 33 }], truncated: false })
  })

  it('refuses missing files, escaping paths, overwrites and corrupt input, leaving nothing behind', async () => {
    expect(errorMeta(await call('file_hash', { path: 'nope.txt' })).code).toBe('NOT_FOUND')
    expect(errorMeta(await call('file_hash', { path: '../../../etc/passwd' })).problems[0].param).toBe('path')
    expect(errorMeta(await call('file_list', { dir: '/' })).problems[0].param).toBe('dir')
    put('people2.csv', 'name,age\nA,1\n')
    put('people2.parquet', 'occupied')
    expect(errorMeta(await call('file_convert', { path: 'people2.csv', to: 'parquet' })).code).toBe(
      'CONFLICT',
    )
    put('bad.csv', 'a,b\n1,2\n3,4,5,6\n"open')
    expect(errorMeta(await call('file_convert', { path: 'bad.csv', to: 'parquet' })).code).toBe('BAD_DATA')
    expect(existsSync(join(h.relay.components.config.dataDir, 'files', 'bad.parquet'))).toBe(false)
    expect(errorMeta(await call('file_convert', { path: 'people2.csv', to: 'xlsx' })).problems[0].param).toBe(
      'to',
    )
  })
})
