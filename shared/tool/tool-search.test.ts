import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { closestNames } from './closest-names.ts'
import { defineTool } from './define-tool.ts'
import { MAX_QUERY_TERMS, ToolSearchIndex } from './tool-search.ts'

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
