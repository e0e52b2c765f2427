import MiniSearch from 'minisearch'
import { parameterNames } from './json-schema.ts'
import type { Tool } from './types.ts'

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

/** Splits snake_case, camelCase and punctuation so `ttlSeconds` matches "ttl seconds". */
export function tokenize(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0)
}

/**
 * BM25+ ranking (MiniSearch's scoring) over tool names, categories, descriptions and
 * parameter names, with prefix and small-typo matching. MiniSearch was chosen over a
 * hand-written BM25 because it is maintained, small and runs in every runtime we ship.
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
        prefix: (term) => term.length >= 3,
        fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
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

  search(query: string, limit: number, category?: string): SearchHit[] {
    const hits: SearchHit[] = []
    for (const result of this.index.search(query)) {
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
