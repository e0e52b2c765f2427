import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { VectorStore } from '../relay/vectors/vector-store.ts'
import { errorMeta, toolHarness } from './helpers.ts'

const h = toolHarness()
const { call, ok } = h

const ids = (out: any) => out.hits.map((x: any) => x.id)

describe('vector tools', () => {
  it('creates an index, adds vectors with metadata, and finds nearest neighbours', async () => {
    expect(await ok('vector_create_index', { name: 'pts', dimensions: 3, metric: 'cosine' })).toMatchObject({
      name: 'pts',
      dimensions: 3,
      metric: 'cosine',
      count: 0,
    })
    const added = await ok('vector_add', {
      name: 'pts',
      vectors: [
        { id: 'x', vector: [1, 0, 0], metadata: { axis: 'x', n: 1 } },
        { id: 'xy', vector: [1, 1, 0], metadata: { axis: 'mixed', n: 2 } },
        { id: 'y', vector: [0, 1, 0], metadata: { axis: 'y', n: 3 } },
        { id: 'z', vector: [0, 0, 1], metadata: { axis: 'z', n: 4 } },
      ],
    })
    expect(added).toEqual({ added: 4, updated: 0, count: 4 })
    const out = await ok('vector_search', { name: 'pts', vector: [0.9, 0.1, 0], k: 2 })
    expect(out.metric).toBe('cosine')
    expect(ids(out)).toEqual(['x', 'xy'])
    const cos = 0.9 / Math.hypot(0.9, 0.1)
    expect(out.hits[0].similarity).toBeCloseTo(cos, 5)
    expect(out.hits[0].distance).toBeCloseTo(1 - cos, 5)
    expect(out.hits[0].metadata).toEqual({ axis: 'x', n: 1 })
  })

  it('filters by metadata while searching', async () => {
    const out = await ok('vector_search', {
      name: 'pts',
      vector: [1, 0, 0],
      k: 2,
      filter: { n: { gte: 3 } },
    })
    expect(ids(out)).toEqual(['y', 'z'])
    const only = await ok('vector_search', { name: 'pts', vector: [1, 0, 0], k: 5, filter: { axis: 'z' } })
    expect(ids(only)).toEqual(['z'])
  })

  it('updates an id in place and deletes vectors', async () => {
    expect(await ok('vector_add', { name: 'pts', vectors: [{ id: 'z', vector: [1, 0, 0.01] }] })).toEqual({
      added: 0,
      updated: 1,
      count: 4,
    })
    expect(ids(await ok('vector_search', { name: 'pts', vector: [1, 0, 0], k: 1 }))).toEqual(['x'])
    expect(ids(await ok('vector_search', { name: 'pts', vector: [1, 0, 0], k: 2 }))).toContain('z')
    expect(await ok('vector_delete', { name: 'pts', ids: ['x', 'nope'] })).toEqual({
      deleted: 1,
      indexDeleted: false,
    })
    expect(await ok('vector_stats', { name: 'pts' })).toMatchObject({ count: 3, deleted: 1 })
    expect(ids(await ok('vector_search', { name: 'pts', vector: [1, 0, 0], k: 1 }))).toEqual(['z'])
  })

  it('keeps indexes on disk', async () => {
    const fresh = new VectorStore(join(h.relay.components.config.dataDir, 'vectors'))
    const ix = await fresh.get('pts')
    expect(ix.size).toBe(3)
    expect(ix.search([0, 1, 0], 1).map((x) => x.id)).toEqual(['y'])
  })

  it('measures l2 and inner-product distances', async () => {
    await ok('vector_create_index', { name: 'flat', dimensions: 2, metric: 'l2' })
    await ok('vector_add', {
      name: 'flat',
      vectors: [
        { id: 'a', vector: [0, 0] },
        { id: 'b', vector: [3, 4] },
      ],
    })
    const out = await ok('vector_search', { name: 'flat', vector: [3, 0], k: 2 })
    expect(out.hits).toEqual(
      [
        { id: 'b', distance: 16 },
        { id: 'a', distance: 9 },
      ].sort((p, q) => p.distance - q.distance),
    )
    await ok('vector_create_index', { name: 'dot', dimensions: 2, metric: 'ip' })
    await ok('vector_add', {
      name: 'dot',
      vectors: [
        { id: 'long', vector: [10, 0] },
        { id: 'unit', vector: [1, 0] },
      ],
    })
    const dot = await ok('vector_search', { name: 'dot', vector: [1, 0], k: 2 })
    expect(dot.hits.map((x: any) => [x.id, x.similarity])).toEqual([
      ['long', 10],
      ['unit', 1],
    ])
  })

  it('embeds texts like text_embed, indexes them, and searches by text', async () => {
    const a = await ok('vector_embed', { texts: ['red apples'], dimensions: 64 })
    const b = await ok('text_embed', { texts: ['red apples'], dimensions: 64 })
    expect(a.embeddings).toEqual(b.embeddings)
    await ok('vector_create_index', { name: 'docs', dimensions: 256 })
    await ok('vector_add_texts', {
      name: 'docs',
      texts: [
        { id: 'fruit', text: 'fresh red apples and ripe pears', metadata: { lang: 'en' } },
        { id: 'cars', text: 'fast red sports cars on the track', metadata: { lang: 'en' } },
        { id: 'obst', text: 'frische rote Äpfel und Birnen', metadata: { lang: 'de' } },
      ],
    })
    expect(ids(await ok('vector_search', { name: 'docs', text: 'ripe apples', k: 1 }))).toEqual(['fruit'])
    expect(ids(await ok('vector_search', { name: 'docs', text: 'sports cars', k: 1 }))).toEqual(['cars'])
    const de = await ok('vector_search', { name: 'docs', text: 'apples', k: 3, filter: { lang: 'de' } })
    expect(ids(de)).toEqual(['obst'])
  })

  it('refuses misspelt item fields instead of dropping them, and the old index parameter by its new name', async () => {
    const meta = await call('vector_add_texts', {
      name: 'docs',
      texts: [{ id: 'misfiled', text: 'apples in a box', meta: { lang: 'en' } }],
    })
    expect(errorMeta(meta)).toMatchObject({
      code: 'INVALID_PARAMS',
      problems: [{ param: 'texts[0].meta', problem: 'unknown parameter', hint: 'did you mean metadata?' }],
    })
    const renamed = await call('vector_search', { index: 'docs', text: 'apples' })
    expect(errorMeta(renamed).problems).toContainEqual({
      param: 'index',
      problem: 'unknown parameter',
      hint: '`index` was renamed `name`',
    })
    expect((await ok('vector_stats', { name: 'docs' })).count).toBe(3)
  })

  it('round-trips an index through IPFS', async () => {
    const { cid, count } = await ok('vector_save_ipfs', { name: 'docs' })
    expect(count).toBe(3)
    const loaded = await ok('vector_load_ipfs', { cid, name: 'docs_copy' })
    expect(loaded).toMatchObject({ name: 'docs_copy', dimensions: 256, count: 3 })
    expect(ids(await ok('vector_search', { name: 'docs_copy', text: 'sports cars', k: 1 }))).toEqual(['cars'])
    expect((await ok('vector_list', {})).indexes.map((i: any) => i.name)).toEqual([
      'docs',
      'docs_copy',
      'dot',
      'flat',
      'pts',
    ])
    expect(await ok('vector_delete', { name: 'docs_copy' })).toEqual({ deleted: 3, indexDeleted: true })
  })

  it('names bad parameters and refuses what it cannot do', async () => {
    const wrongDims = await call('vector_add', { name: 'pts', vectors: [{ id: 'q', vector: [1, 2] }] })
    expect(errorMeta(wrongDims).problems[0].param).toBe('vectors[0].vector')
    expect(
      errorMeta(await call('vector_add', { name: 'pts', vectors: [{ id: 'q', vector: [0, 0, 0] }] })).code,
    ).toBe('INVALID_PARAMS')
    expect(
      errorMeta(await call('vector_search', { name: 'pts', vector: [1, 0, 0], text: 'x' })).problems[0].param,
    ).toBe('vector')
    expect(errorMeta(await call('vector_search', { name: 'gone', vector: [1] })).code).toBe('NOT_FOUND')
    expect(errorMeta(await call('vector_create_index', { name: 'pts', dimensions: 3 })).code).toBe('CONFLICT')
    const { cid } = await ok('ipfs_add', { text: 'not an index' })
    expect(errorMeta(await call('vector_load_ipfs', { cid, name: 'bogus' })).code).toBe('NOT_FOUND')
    expect(
      errorMeta(await call('vector_load_ipfs', { cid: 'not-a-cid', name: 'bogus' })).problems[0].param,
    ).toBe('cid')
    expect((await ok('vector_stats', { name: 'pts' })).count).toBe(3)
  })
})
