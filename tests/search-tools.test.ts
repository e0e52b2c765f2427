import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { SearchIndexes } from '../relay/tools/search/index-store.ts'
import { errorMeta, toolHarness } from './helpers.ts'

const h = toolHarness()
const { call, ok } = h

const BOOKS = [
  { isbn: 'b1', title: 'The Art of Computer Programming', body: 'algorithms sorting searching' },
  {
    isbn: 'b2',
    title: 'Structure and Interpretation of Computer Programs',
    body: 'lisp abstraction programs',
  },
  { isbn: 'b3', title: 'Gardening for Beginners', body: 'soil seeds watering' },
  { isbn: 'b4', title: 'Programming Pearls', body: 'algorithms performance programming' },
]

describe('search tools', () => {
  beforeAll(async () => {
    writeFileSync(
      join(h.relay.components.config.dataDir, 'files', 'books.jsonl'),
      BOOKS.map((b) => JSON.stringify(b)).join('\n'),
    )
    await ok('dataset_load', { name: 'books', source: { path: 'books.jsonl' } })
    const built = await ok('search_build_index', {
      name: 'books-idx',
      dataset: 'books',
      textColumns: ['title', 'body'],
      idColumn: 'isbn',
      storeColumns: ['title'],
    })
    expect(built).toMatchObject({
      name: 'books-idx',
      dataset: 'books',
      documents: 4,
      fields: ['title', 'body'],
    })
    expect(built.terms).toBeGreaterThan(15)
  })

  it('ranks documents by relevance', async () => {
    const out = await ok('search_query', { name: 'books-idx', query: 'programming algorithms' })
    // b4 has both terms (twice "programming"); b1 both; b2 neither exactly ("programs").
    expect(out.hits[0]).toMatchObject({ id: 'b4', fields: { title: 'Programming Pearls' } })
    expect(out.hits.map((h: any) => h.id).sort()).toEqual(['b1', 'b4'])
    expect(out.hits[0].score).toBeGreaterThan(out.hits[1].score)
    expect(out.hits[0].terms.sort()).toEqual(['algorithms', 'programming'])
  })

  it('matches prefixes and typos when asked', async () => {
    expect((await ok('search_query', { name: 'books-idx', query: 'progr' })).total).toBe(0)
    const prefix = await ok('search_query', { name: 'books-idx', query: 'progr', prefix: true })
    expect(prefix.hits.map((h: any) => h.id).sort()).toEqual(['b1', 'b2', 'b4'])
    const fuzzy = await ok('search_query', { name: 'books-idx', query: 'gardenning', fuzzy: 0.2 })
    expect(fuzzy.hits.map((h: any) => h.id)).toEqual(['b3'])
    const and = await ok('search_query', { name: 'books-idx', query: 'computer lisp', combineWith: 'AND' })
    expect(and.hits.map((h: any) => h.id)).toEqual(['b2'])
    const titleOnly = await ok('search_query', {
      name: 'books-idx',
      query: 'algorithms',
      columns: ['title'],
    })
    expect(titleOnly.total).toBe(0)
  })

  it('reports stats, reloads from disk, lists and deletes', async () => {
    expect(await ok('search_stats', { name: 'books-idx' })).toMatchObject({ documents: 4, idColumn: 'isbn' })
    // A fresh store over the same folder (as after a restart) answers the same.
    const reloaded = await new SearchIndexes(join(h.relay.components.config.dataDir, 'search')).get(
      'books-idx',
    )
    expect(reloaded.search.search('pearls').map((r) => r.id)).toEqual(['b4'])
    expect((await ok('search_list', {})).indexes.map((i: any) => i.name)).toEqual(['books-idx'])
    await ok('search_build_index', { name: 'tmp', dataset: 'books', textColumns: ['body'] })
    // Without idColumn, row numbers identify documents.
    expect((await ok('search_query', { name: 'tmp', query: 'soil' })).hits[0].id).toBe(2)
    expect(await ok('search_delete_index', { name: 'tmp' })).toEqual({ deleted: 'tmp' })
    expect(errorMeta(await call('search_query', { name: 'tmp', query: 'soil' })).code).toBe('NOT_FOUND')
  })

  it('names bad parameters', async () => {
    expect(
      errorMeta(await call('search_build_index', { name: 'x', dataset: 'books', textColumns: ['nope'] }))
        .problems[0].param,
    ).toBe('textColumns')
    const store = await call('search_build_index', {
      name: 'x',
      dataset: 'books',
      textColumns: ['title'],
      storeColumns: ['nope'],
    })
    expect(errorMeta(store).problems[0].param).toBe('storeColumns')
    expect(
      errorMeta(
        await call('search_build_index', { name: 'books-idx', dataset: 'books', textColumns: ['title'] }),
      ).code,
    ).toBe('CONFLICT')
    expect(
      errorMeta(await call('search_query', { name: 'books-idx', query: 'x', fuzzy: 3 })).problems[0].param,
    ).toBe('fuzzy')
    expect(
      errorMeta(await call('search_query', { name: 'books-idx', query: 'x', columns: ['isbn'] })).problems[0]
        .param,
    ).toBe('columns')
  })
})
