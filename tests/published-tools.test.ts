import type { Client } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { connectClient, startTestRelay } from './helpers.ts'

/**
 * Issue 10: one published shape for a tool. `tools/list`, the HTTP catalogue and
 * `tools_get_schema` come from one function, so they must agree field for field.
 */
let relay: RunningRelay
let client: Client

beforeAll(async () => {
  // Flat exposure lists every tool, so all of them can be compared.
  relay = await startTestRelay({ expose: 'flat' })
  client = await connectClient(relay.url)
})
afterAll(async () => {
  await client.close()
  await relay.close()
})

describe('a published tool', () => {
  it('is the same in tools/list, /api/tools and tools_get_schema, for every tool', async () => {
    const { tools: listed } = await client.listTools()
    const catalogue = await (await fetch(`${relay.url}/api/tools`)).json()
    const catalogued = new Map<string, unknown>(
      catalogue.categories.flatMap((c: any) => c.tools.map((t: any) => [t.name, t])),
    )
    expect(listed.length).toBe(relay.components.registry.all().length)
    for (const tool of listed) {
      const schema = await client.callTool({ name: 'tools_get_schema', arguments: { tool: tool.name } })
      expect(schema.isError, tool.name).toBeFalsy()
      expect(schema.structuredContent, tool.name).toEqual(tool)
      expect(catalogued.get(tool.name), tool.name).toEqual(tool)
    }
  })

  it('carries its category, placement and examples under _meta["mcpp/tool"]', async () => {
    const schema = await client.callTool({ name: 'tools_get_schema', arguments: { tool: 'file_convert' } })
    const published = schema.structuredContent as any
    expect(published).toMatchObject({ name: 'file_convert', title: expect.any(String) })
    expect(published.inputSchema.type).toBe('object')
    expect(published._meta['mcpp/tool']).toMatchObject({
      category: 'file',
      runtime: 'local',
      runtimes: ['local'],
      requiresP2P: false,
      examples: [{ path: 'sales.csv', to: 'parquet' }],
    })
  })
})
