import type { BenchSection } from '../context.ts'
import { percentile } from '../load.ts'

/**
 * `tools_search` ranking quality over the request set of issue 15: how often the
 * first hit, and one of the first three, is a tool that answers the request.
 */
export const toolSearchBench: BenchSection = {
  name: 'tool-search',
  async run(ctx) {
    ctx.progress('tool-search: ranking the request set')
    // Imported here so that other sections do not load the whole tool catalogue.
    const { relayToolRegistry } = await import('../../fixtures/tool-catalogue.ts')
    const { searchAccuracy } = await import('../../fixtures/tool-search-accuracy.ts')
    const { TOOL_SEARCH_QUERIES } = await import('../../fixtures/tool-search-queries.ts')
    const registry = relayToolRegistry()
    const accuracy = searchAccuracy(registry, TOOL_SEARCH_QUERIES)
    const micros: number[] = []
    for (const { query } of TOOL_SEARCH_QUERIES) {
      const started = process.hrtime.bigint()
      registry.search(query, 10)
      micros.push(Number(process.hrtime.bigint() - started) / 1000)
    }
    micros.sort((a, b) => a - b)
    const n = TOOL_SEARCH_QUERIES.length
    return [
      {
        section: 'tool-search',
        metric: `top-1 accuracy, ${n} requests`,
        value: accuracy.top1 * 100,
        unit: '%',
      },
      {
        section: 'tool-search',
        metric: `top-3 accuracy, ${n} requests`,
        value: accuracy.top3 * 100,
        unit: '%',
        target: { kind: 'min' as const, of: 'value' as const, limit: 95 },
      },
      { section: 'tool-search', metric: 'one search (median)', value: percentile(micros, 50), unit: 'µs' },
    ]
  },
}
