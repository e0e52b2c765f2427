import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { closestNames } from './closest-names.ts'
import { defineTool } from './define-tool.ts'
import { expandTerms, SYNONYM_WEIGHT } from './synonyms.ts'
import { MAX_QUERY_TERMS, MAX_SEARCHED_TERMS, ToolSearchIndex } from './tool-search.ts'

const tool = (name: string, description: string) =>
  defineTool({
    name,
    category: name.split('_')[0] as string,
    description,
    input: z.object({}),
    output: z.object({ ok: z.boolean() }),
    handlers: { local: async () => ({ ok: true }) },
  })

const index = new ToolSearchIndex([
  tool('text_hash', 'Hash text with SHA-256'),
  tool('graph_pagerank', 'PageRank centrality of every node'),
])

describe('tool search bounds its work (issue 9)', () => {
  it(`searches only the first ${MAX_QUERY_TERMS} distinct terms of a query`, () => {
    expect(index.search('hash', 10).map((h) => h.name)).toEqual(['text_hash'])
    const filler = Array.from({ length: MAX_QUERY_TERMS }, (_, i) => `qq${i}zz`).join(' ')
    expect(index.search(`${filler} hash`, 10)).toEqual([])
    // Repeated words count once.
    expect(index.search(`${'zz '.repeat(200)}hash`, 10).map((h) => h.name)).toEqual(['text_hash'])
  })

  it('still matches a typo in a long word', () => {
    expect(index.search('centrallity', 10).map((h) => h.name)).toEqual(['graph_pagerank'])
  })
})

describe('tool search reads requests as agents phrase them (issue 15)', () => {
  const catalogue = new ToolSearchIndex([
    tool('graph_find_nodes', 'Nodes whose properties equal all the given values'),
    tool('vector_search', 'Similarity search: the top-k nearest neighbours of a vector or a text'),
    tool('text_count', 'Count tokens, words and lines of a text'),
    tool('peer_cleanup', 'Drop expired peers; reports how many were dropped'),
  ])
  const top = (query: string) => catalogue.search(query, 10).map((h) => h.name)

  it('reaches a tool through a synonym of its words', () => {
    expect(top('find similar documents')[0]).toBe('vector_search')
  })

  it('ignores function words that would match any description', () => {
    // "how" and "many" are in peer_cleanup's description, not in the request's sense.
    expect(top('how many tokens is this prompt')[0]).toBe('text_count')
    expect(top('how many tokens is this prompt')).not.toContain('peer_cleanup')
    expect(top('what is the')).toEqual([])
  })

  it('weighs a synonym below the word the caller wrote', () => {
    const weights = expandTerms(['similar'], MAX_SEARCHED_TERMS)
    expect(weights.get('similar')).toBe(1)
    expect(weights.get('nearest')).toBe(SYNONYM_WEIGHT)
    expect(SYNONYM_WEIGHT).toBeLessThan(1)
  })

  it('finds no synonyms in inherited object properties', () => {
    expect([...expandTerms(['constructor', 'toString'], MAX_SEARCHED_TERMS).keys()]).toEqual([
      'constructor',
      'toString',
    ])
  })

  it("bounds the terms searched, keeping the query's own first", () => {
    expect([...expandTerms(['similar', 'checksum'], 3).keys()]).toEqual(['similar', 'checksum', 'nearest'])
    expect([...expandTerms(['similar', 'checksum', 'mask'], 2).keys()]).toEqual(['similar', 'checksum'])
    expect(MAX_SEARCHED_TERMS).toBeGreaterThanOrEqual(MAX_QUERY_TERMS)
  })
})

describe('closestNames', () => {
  const names = ['text_hash', 'text_chunk', 'graph_pagerank']

  it('suggests names by edit distance and containment, as before', () => {
    expect(closestNames('text_hsah', names, 3)).toEqual(['text_hash'])
    expect(closestNames('please_run_text_hash_now', names, 3)).toEqual(['text_hash'])
    expect(closestNames('hash', names, 3)).toEqual(['text_hash'])
  })

  it('answers a huge name at once, with no suggestions', () => {
    expect(closestNames(`text_hash${'x'.repeat(1_000_000)}`, names, 3)).toEqual([])
  })
})
