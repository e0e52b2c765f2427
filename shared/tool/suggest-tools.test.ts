import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineTool } from './define-tool.ts'
import { suggestTools } from './suggest-tools.ts'
import { ToolSearchIndex } from './tool-search.ts'

const tool = (name: string, description: string, input = z.object({})) =>
  defineTool({
    name,
    category: name.split('_')[0] as string,
    description,
    input,
    output: z.object({ ok: z.boolean() }),
    handlers: { local: async () => ({ ok: true }) },
  })

const tools = [
  tool('dataset_load', 'Load a CSV, JSON or Parquet file as a named dataset', z.object({ name: z.string() })),
  tool('dataset_save', 'Save a dataset to a file or to IPFS', z.object({ name: z.string() })),
  tool(
    'dataset_query',
    'Run one read-only SQL query (DuckDB dialect) over datasets',
    z.object({ sql: z.string() }),
  ),
  tool('text_hash', 'Hash text with SHA-256'),
  tool('text_chunk', 'Split text into chunks'),
  tool('graph_neighbors', 'The neighbours of a node'),
  tool('cache_get', 'Get a cached value by key'),
]
const index = new ToolSearchIndex(tools)
const names = tools.map((t) => t.name)
const suggest = (name: string, among = names) => suggestTools(name, among, index.searchEvery(name, 100), 3)

describe('suggestTools', () => {
  it('suggests by meaning: dataset_sql means the tool whose description says SQL', () => {
    expect(suggest('dataset_sql')[0]).toBe('dataset_query')
  })

  it('still suggests by spelling first for a typo', () => {
    expect(suggest('text_hsah')[0]).toBe('text_hash')
    expect(suggest('cache_gett')).toEqual(['cache_get'])
  })

  it('ranks a tool close in both spelling and meaning first', () => {
    expect(suggest('graph_neighbours')[0]).toBe('graph_neighbors')
  })

  it('does not suggest a tool that shares only the category word', () => {
    expect(suggest('dataset_sql')).not.toContain('dataset_load')
  })

  it('suggests only among the candidates it is given', () => {
    expect(suggest('dataset_sql', ['text_hash', 'dataset_save'])).toEqual(['dataset_save'])
    expect(suggest('cache_gett', ['text_hash'])).toEqual([])
  })

  it('combines both scores from plain data', () => {
    const meant = [
      { name: 'b_meant', score: 8 },
      { name: 'a_both', score: 4 },
    ]
    expect(suggestTools('a_bot', ['a_both', 'b_meant', 'c_other'], meant, 3)).toEqual(['a_both', 'b_meant'])
  })

  it('answers nothing for a name that is neither close nor meaningful', () => {
    expect(suggest('zzqx_vvvk')).toEqual([])
  })
})
