import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import MiniSearch from 'minisearch'
import { writeFileAtomically } from '../../files/atomic-write.ts'
import { namesIn, unknownName } from '../../files/names-in.ts'

export const INDEX_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/** What an index was built from, saved beside it. */
export interface IndexMeta {
  dataset: string
  fields: string[]
  idColumn: string | null
  storeFields: string[]
  documents: number
  builtAt: number
}

export interface LoadedIndex {
  meta: IndexMeta
  search: MiniSearch
}

/** Options MiniSearch needs again when an index is loaded from JSON. */
export const miniSearchOptions = (meta: Pick<IndexMeta, 'fields' | 'storeFields'>) => ({
  fields: meta.fields,
  storeFields: meta.storeFields,
  idField: '__id',
})

/**
 * Full-text indexes (MiniSearch), saved as JSON in `<data-dir>/search/<name>.json`
 * (atomically) with their metadata, cached in memory once used.
 */
export class SearchIndexes {
  private readonly dir: string
  private readonly cache = new Map<string, LoadedIndex>()

  constructor(dir: string) {
    this.dir = dir
    mkdirSync(dir, { recursive: true })
  }

  names(): string[] {
    return namesIn(this.dir)
  }

  exists(name: string): boolean {
    return existsSync(this.file(name))
  }

  async get(name: string): Promise<LoadedIndex> {
    const cached = this.cache.get(name)
    if (cached) return cached
    if (!this.exists(name)) {
      throw unknownName('search index', 'indexes', name, this.names())
    }
    const saved = JSON.parse(await readFile(this.file(name), 'utf8')) as { meta: IndexMeta; index: unknown }
    const search = MiniSearch.loadJS(saved.index as never, miniSearchOptions(saved.meta))
    const loaded = { meta: saved.meta, search }
    this.cache.set(name, loaded)
    return loaded
  }

  async put(name: string, loaded: LoadedIndex): Promise<void> {
    const body = JSON.stringify({ meta: loaded.meta, index: loaded.search.toJSON() })
    await writeFileAtomically(this.file(name), new TextEncoder().encode(body))
    this.cache.set(name, loaded)
  }

  delete(name: string): void {
    if (!this.exists(name)) throw unknownName('search index', 'indexes', name, this.names())
    rmSync(this.file(name))
    this.cache.delete(name)
  }

  private file(name: string): string {
    return join(this.dir, `${name}.json`)
  }
}
