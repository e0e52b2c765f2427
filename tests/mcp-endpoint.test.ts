import { readFileSync } from 'node:fs'
import type { Client } from '@modelcontextprotocol/client'
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { connectClient, errorMeta, startTestRelay } from './helpers.ts'

let relay: RunningRelay
let client: Client

beforeAll(async () => {
  relay = await startTestRelay()
  client = await connectClient(relay.url)
})
afterAll(async () => {
  await client.close()
  await relay.close()
})

function errorCode(result: { _meta?: Record<string, unknown> | undefined }): unknown {
  return errorMeta(result).code
}

describe('MCP endpoint in meta exposure mode', () => {
  it('lists exactly the five meta-tools with input and output schemas', async () => {
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name).sort()).toEqual([
      'tools_dispatch',
      'tools_get_schema',
      'tools_list_categories',
      'tools_list_tools',
      'tools_search',
    ])
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object')
      expect(tool.outputSchema?.type).toBe('object')
    }
  })

  it('lists every category with a description and its tool count', async () => {
    const result = await client.callTool({ name: 'tools_list_categories', arguments: {} })
    const { categories } = result.structuredContent as {
      categories: Array<{ name: string; toolCount: number }>
    }
    const byName = Object.fromEntries(categories.map((c) => [c.name, c.toolCount]))
    expect(byName).toMatchObject({ tools: 5, system: 5, cache: 5, text: 4 })
  })

  it('lists a category and rejects an unknown one naming the valid ones', async () => {
    const ok = await client.callTool({ name: 'tools_list_tools', arguments: { category: 'text' } })
    const names = (ok.structuredContent as { tools: Array<{ name: string }> }).tools.map((t) => t.name)
    expect(names.sort()).toEqual(['text_chunk', 'text_count', 'text_embed', 'text_hash'])
    const bad = await client.callTool({ name: 'tools_list_tools', arguments: { category: 'nope' } })
    expect(bad.isError).toBe(true)
    expect(errorCode(bad)).toBe('UNKNOWN_CATEGORY')
    expect(errorMeta(bad).validCategories).toContain('cache')
  })

  it('returns a JSON Schema 2020-12 input schema, output schema, annotations and runtimes', async () => {
    const result = await client.callTool({ name: 'tools_get_schema', arguments: { tool: 'text_embed' } })
    const schema = result.structuredContent as Record<string, any>
    expect(schema.inputSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(schema.inputSchema.required).toEqual(['texts'])
    expect(schema.outputSchema.properties.embeddings.type).toBe('array')
    expect(schema.annotations.readOnlyHint).toBe(true)
    expect(schema._meta['mcpp/tool'].runtime).toBe('auto')
    expect(schema._meta['mcpp/tool'].runtimes.sort()).toEqual(['edge', 'local', 'p2p'])
  })

  it('ranks the most relevant tool first in search', async () => {
    const result = await client.callTool({
      name: 'tools_search',
      arguments: { query: 'hash text sha256', limit: 3 },
    })
    const { results } = result.structuredContent as { results: Array<{ name: string; category: string }> }
    expect(results[0]).toMatchObject({ name: 'text_hash', category: 'text' })
    expect(results.length).toBeLessThanOrEqual(3)
  })

  it('dispatches a tool through the router and returns its structured output', async () => {
    const result = await client.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'text_hash', params: { text: 'abc', algorithm: 'sha256' } },
    })
    expect(result.isError).toBeFalsy()
    expect(result.structuredContent).toEqual({
      tool: 'text_hash',
      category: 'text',
      runtime: 'local',
      verification: { trust: 'relay', verified: true, workers: [] },
      result: {
        algorithm: 'sha256',
        encoding: 'hex',
        digest: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
        bytes: 3,
      },
    })
  })

  it('echoes a message through dispatch, text content and structured content agreeing', async () => {
    const message = 'héllo ✓ "quoted"\n'
    const result = await client.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'system_echo', params: { message } },
    })
    const expected = {
      tool: 'system_echo',
      category: 'system',
      runtime: 'local',
      verification: { trust: 'relay', verified: true, workers: [] },
      result: { message },
    }
    expect(result.structuredContent).toEqual(expected)
    expect(JSON.parse((result.content as Array<{ text: string }>)[0]!.text)).toEqual(expected)
  })

  it("reports the relay's version and the protocol revisions it speaks", async () => {
    const result = await client.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'system_version', params: {} },
    })
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    expect((result.structuredContent as any).result).toEqual({
      name: 'mcpp',
      version,
      node: process.version,
      protocolVersion: LATEST_PROTOCOL_VERSION,
      supportedProtocolVersions: [...SUPPORTED_PROTOCOL_VERSIONS],
    })
  })

  it('names an unknown, a missing and a mistyped parameter', async () => {
    const unknown = await client.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'text_hash', params: { text: 'a', colour: 'red' } },
    })
    expect(errorCode(unknown)).toBe('INVALID_PARAMS')
    expect(errorMeta(unknown)).toMatchObject({
      problems: [{ param: 'colour', problem: 'unknown parameter' }],
    })
    const missing = await client.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'text_hash', params: {} },
    })
    expect(errorMeta(missing)).toMatchObject({
      problems: [{ param: 'text', problem: 'required parameter is missing' }],
    })
    const wrong = await client.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'text_hash', params: { text: 5 } },
    })
    expect((errorMeta(wrong) as { problems: Array<{ param: string }> }).problems[0]?.param).toBe('text')
  })

  it('suggests the closest names for an unknown tool and checks the category', async () => {
    const result = await client.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'text_hsh', params: {} },
    })
    expect(errorCode(result)).toBe('UNKNOWN_TOOL')
    expect(errorMeta(result).suggestions[0]).toBe('text_hash')
    // By meaning too: dataset_query's description says SQL, dataset_save is only spelt alike.
    const meant = await client.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'dataset_sql', params: {} },
    })
    expect(errorCode(meant)).toBe('UNKNOWN_TOOL')
    expect(errorMeta(meant).suggestions.slice(0, 2)).toEqual(['dataset_query', 'dataset_save'])
    const mismatch = await client.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'text_hash', category: 'cache', params: { text: 'a' } },
    })
    expect(errorCode(mismatch)).toBe('CATEGORY_MISMATCH')
  })
})
