import { describe, expect, it } from 'vitest'
import { relayToolRegistry } from './fixtures/tool-catalogue.ts'
import { searchAccuracy } from './fixtures/tool-search-accuracy.ts'
import { TOOL_SEARCH_QUERIES } from './fixtures/tool-search-queries.ts'

const registry = relayToolRegistry()
const percent = (share: number) => `${(share * 100).toFixed(1)} %`

describe('tools_search finds the tool an agent asks for (issue 15)', () => {
  it('has at least 50 requests, and every category of the catalogue is asked for', () => {
    expect(TOOL_SEARCH_QUERIES.length).toBeGreaterThanOrEqual(50)
    const expected = new Set(TOOL_SEARCH_QUERIES.flatMap((q) => q.expect))
    for (const name of expected) expect(registry.get(name), `${name} is a tool`).toBeDefined()
    const asked = new Set([...expected].map((name) => registry.get(name)?.category))
    expect([...asked].sort()).toEqual(registry.categories().map((c) => c.name))
  })

  it('puts an expected tool in the top 3 for at least 95 % of the requests', () => {
    const accuracy = searchAccuracy(registry, TOOL_SEARCH_QUERIES)
    const misses = accuracy.outcomes
      .filter((o) => o.rank === undefined)
      .map((o) => `  "${o.query}" → ${o.top.join(', ')} (expected ${o.expect.join(' or ')})`)
    process.stdout.write(
      `tools_search over ${TOOL_SEARCH_QUERIES.length} requests: top-1 ${percent(accuracy.top1)}, top-3 ${percent(accuracy.top3)}\n` +
        (misses.length > 0 ? `not in the top 3:\n${misses.join('\n')}\n` : ''),
    )
    expect(accuracy.top3).toBeGreaterThanOrEqual(0.95)
  })

  it('answers "find similar documents" with the similarity search, not a graph pattern match', () => {
    const top = registry.search('find similar documents', 3).map((hit) => hit.name)
    expect(top[0]).toBe('vector_search')
    expect(top).not.toContain('graph_find_nodes')
  })
})
