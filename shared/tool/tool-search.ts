import MiniSearch from 'minisearch'
import { parameterNames } from './json-schema.ts'
import { STOP_WORDS } from './stop-words.ts'
import { expandTerms } from './synonyms.ts'
import type { Tool } from './types.ts'

/** Longest query `tools_search` takes; its schema shows it (issue 9). */
export const MAX_QUERY_CHARS = 256
/** Distinct terms of a query that are searched; the rest are ignored. */
export const MAX_QUERY_TERMS = 32
/** Terms searched in all, a query's own and their synonyms (synonyms.ts). */
export const MAX_SEARCHED_TERMS = 2 * MAX_QUERY_TERMS

export interface SearchHit {
  name: string
  category: string
  description: string
  score: number
}

interface SearchDoc {
  id: string
  name: string
  category: string
  description: string
  params: string
}

export const CAMEL_BOUNDARY = /([a-z0-9])([A-Z])/g
export const NON_WORD = /[^\p{L}\p{N}]+/u

/** Splits snake_case, camelCase and punctuation so `ttlSeconds` matches "ttl seconds". */
export function tokenize(text: string): string[] {
  return text
    .replace(CAMEL_BOUNDARY, '$1 $2')
    .toLowerCase()
    .split(NON_WORD)
    .filter((t) => t.length > 0)
}

/**
 * BM25+ ranking (MiniSearch's scoring) over tool names, categories, descriptions and
 * parameter names, with prefix and small-typo matching. A ranked search drops a query's
 * stop words (stop-words.ts) and also searches the catalogue's words for the agent's
 * (synonyms.ts) at a lower weight; tests/tool-search-accuracy.test.ts measures the
 * result on requests as agents phrase them (issue 15). MiniSearch was chosen over a
 * hand-written BM25 because it is maintained, small and runs in every runtime we ship,
 * the edge Worker included. Embeddings were not used: the only one every runtime has is
 * the hashing-trick embedding (shared/text), which matches words, not meanings.
 */
export class ToolSearchIndex {
  private readonly index: MiniSearch<SearchDoc>
  private readonly tools: Map<string, Tool>

  constructor(tools: Iterable<Tool>) {
    this.tools = new Map()
    this.index = new MiniSearch<SearchDoc>({
      fields: ['name', 'category', 'description', 'params'],
      tokenize,
      searchOptions: {
        boost: { name: 3, category: 1.5, params: 1.2, description: 1 },
        // A one-letter slip must not outrank an exact word: "median" is in
        // analytics_group_by's description and one edit from "media" in five tool names.
        // MiniSearch's default fuzzy weight (0.45) let the names win; the prefix weight
        // is its default.
        weights: { fuzzy: 0.2, prefix: 0.375 },
        prefix: (term) => term.length >= 3,
        fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
        // A fuzzy term walks the index with a row of edit distances as long as the term:
        // two edits keep that walk short whatever the term's length.
        maxFuzzy: 2,
        combineWith: 'OR',
      },
    })
    const docs: SearchDoc[] = []
    for (const tool of tools) {
      this.tools.set(tool.name, tool)
      docs.push({
        id: tool.name,
        name: tool.name,
        category: tool.category,
        description: tool.description,
        params: parameterNames(tool.input).join(' '),
      })
    }
    this.index.addAll(docs)
  }

  /**
   * Ranked hits. The cost grows with the number of terms times the index size, so
   * only the first MAX_QUERY_TERMS distinct terms (stop words aside) are searched, and
   * at most MAX_SEARCHED_TERMS with their synonyms (a 100,000-character query took
   * 7–14 s of the event loop, issue 9).
   */
  search(query: string, limit: number, category?: string): SearchHit[] {
    return this.run(query, limit, category, 'OR')
  }

  /** Ranked hits that match every word of `query` (by prefix or a small typo too). */
  searchEvery(query: string, limit: number): SearchHit[] {
    return this.run(query, limit, undefined, 'AND')
  }

  private run(query: string, limit: number, category: string | undefined, combineWith: 'OR' | 'AND') {
    const words = tokenize(query.slice(0, MAX_QUERY_CHARS * 4)).filter((t) => !STOP_WORDS.has(t))
    const terms = [...new Set(words)].slice(0, MAX_QUERY_TERMS)
    // Synonyms widen a ranked search; a search that needs every word takes them as given.
    const weights =
      combineWith === 'OR' ? expandTerms(terms, MAX_SEARCHED_TERMS) : new Map(terms.map((t) => [t, 1]))
    const hits: SearchHit[] = []
    const results = this.index.search([...weights.keys()].join(' '), {
      combineWith,
      boostTerm: (term) => weights.get(term) ?? 1,
    })
    for (const result of results) {
      const tool = this.tools.get(result.id as string)
      if (!tool || (category !== undefined && tool.category !== category)) continue
      hits.push({
        name: tool.name,
        category: tool.category,
        description: tool.description,
        score: result.score,
      })
      if (hits.length >= limit) break
    }
    return hits
  }
}
