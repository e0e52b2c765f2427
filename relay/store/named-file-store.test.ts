import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { McppError } from '../../shared/errors.ts'
import { NamedFileStore } from './named-file-store.ts'

/** A store of strings, `<name>.json` plus a `<name>.bin` beside it; counts its loads. */
class TextStore extends NamedFileStore<string> {
  loads = 0
  constructor(dir: string) {
    super(dir, { what: 'note', plural: 'notes', extraFiles: ['.bin'] })
  }
  protected async load(name: string): Promise<string> {
    this.loads++
    const text = JSON.parse(readFileSync(this.path(name), 'utf8')) as unknown
    if (typeof text !== 'string') throw new Error('not a note')
    return text
  }
  protected async save(name: string, value: string): Promise<void> {
    if (value === 'unwritable') throw new Error('disk full')
    writeFileSync(this.path(name, '.bin'), value)
    writeFileSync(this.path(name), JSON.stringify(value))
  }
}

async function codeOf(work: () => unknown): Promise<string> {
  try {
    await work()
    return 'none'
  } catch (err) {
    return err instanceof McppError ? `${err.code}: ${err.message}` : `not an McppError: ${String(err)}`
  }
}

let dir: string
let store: TextStore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpp-named-store-'))
  store = new TextStore(dir)
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('NamedFileStore', () => {
  it('keeps what it is given across instances, listed by name', async () => {
    await store.put('b', 'bee')
    await store.put('a', 'ay')
    const again = new TextStore(dir)
    expect(again.names()).toEqual(['a', 'b'])
    expect(again.exists('a')).toBe(true)
    expect(await again.get('b')).toBe('bee')
  })

  it('answers NOT_FOUND, naming what it holds, for get and delete of an unknown name', async () => {
    await store.put('alpha', 'x')
    expect(await codeOf(() => store.get('alpah'))).toBe('NOT_FOUND: no note "alpah"; notes: alpha')
    expect(await codeOf(() => store.delete('alpah'))).toBe('NOT_FOUND: no note "alpah"; notes: alpha')
  })

  it('refuses names that are not plain file names', async () => {
    for (const name of ['../x', '.hidden', 'a/b', '']) {
      expect(await codeOf(() => store.exists(name))).toMatch(/^INVALID_PARAMS: name: /)
    }
  })

  it('deletes every file of an object, and forgets it', async () => {
    await store.put('a', 'ay')
    await store.get('a')
    store.delete('a')
    expect(readdirSync(dir)).toEqual([])
    expect(await codeOf(() => store.get('a'))).toMatch(/^NOT_FOUND/)
  })

  it('loads an object once for concurrent readers, and again after forget', async () => {
    writeFileSync(join(dir, 'n.json'), JSON.stringify('from disk'))
    expect(await Promise.all([store.get('n'), store.get('n')])).toEqual(['from disk', 'from disk'])
    expect(store.loads).toBe(1)
    store.forget('n')
    await store.get('n')
    expect(store.loads).toBe(2)
  })

  it('does not keep a failed load, and keeps the old object when a write fails', async () => {
    writeFileSync(join(dir, 'n.json'), '42')
    expect(await codeOf(() => store.get('n'))).toBe('not an McppError: Error: not a note')
    writeFileSync(join(dir, 'n.json'), JSON.stringify('fixed'))
    expect(await store.get('n')).toBe('fixed')
    expect(await codeOf(() => store.put('n', 'unwritable'))).toMatch(/disk full/)
    expect(await store.get('n')).toBe('fixed')
    expect(existsSync(join(dir, 'n.json'))).toBe(true)
  })
})
