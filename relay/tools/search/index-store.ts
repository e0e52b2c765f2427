import { readFile } from 'node:fs/promises'
import MiniSearch from 'minisearch'
import { writeFileAtomically } from '../../files/atomic-write.ts'
import { NamedFileStore, STORE_NAME } from '../../store/named-file-store.ts'

export const INDEX_NAME = STORE_NAME

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
export class SearchIndexes extends NamedFileStore<LoadedIndex> {
  constructor(dir: string) {
    super(dir, { what: 'search index', plural: 'indexes' })
  }

  protected async load(name: string): Promise<LoadedIndex> {
    const saved = JSON.parse(await readFile(this.path(name), 'utf8')) as { meta: IndexMeta; index: unknown }
    return {
      meta: saved.meta,
      search: MiniSearch.loadJS(saved.index as never, miniSearchOptions(saved.meta)),
    }
  }

  protected async save(name: string, loaded: LoadedIndex): Promise<void> {
    const body = JSON.stringify({ meta: loaded.meta, index: loaded.search.toJSON() })
    await writeFileAtomically(this.path(name), new TextEncoder().encode(body))
  }
}
