import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { connectClient, errorMeta, startTestRelay } from './helpers.ts'

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

let relay: RunningRelay
const clients: Record<string, Client> = {}

beforeAll(async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'mcpp-policy-')), 'policy.yaml')
  writeFileSync(
    path,
    [
      'identities:',
      '  analyst:',
      `    tokenSha256: ${sha('analyst-token')}`,
      "    allow: ['text_*', 'p2p_taskqueue_*']",
      "    deny: ['text_embed']",
      '  builder:',
      `    tokenSha256: ${sha('builder-token')}`,
      "    allow: ['p2p_taskqueue_*', 'kind:wasm', 'kind:echo']",
      'default:',
      "  allow: ['system_*']",
    ].join('\n'),
  )
  relay = await startTestRelay({ token: 'operator-token', accessPolicy: path })
  for (const who of ['analyst', 'builder', 'operator'])
    clients[who] = await connectClient(relay.url, { authorization: `Bearer ${who}-token` })
})
afterAll(async () => {
  for (const client of Object.values(clients)) await client.close()
  await relay?.close()
})

function call(who: string, tool: string, params: Record<string, unknown>) {
  return (clients[who] as Client).callTool({ name: 'tools_dispatch', arguments: { tool, params } })
}
async function ok(who: string, tool: string, params: Record<string, unknown>): Promise<any> {
  const result = await call(who, tool, params)
  if (result.isError) throw new Error(JSON.stringify(result.content))
  return (result.structuredContent as any).result
}
async function meta(who: string, tool: string, args: Record<string, unknown>): Promise<any> {
  return (clients[who] as Client).callTool({ name: tool, arguments: args })
}

describe('task kinds under the access policy', () => {
  it('refuses a kind whose tool the caller is denied, and a kind no tool implements without a grant', async () => {
    const embed = await call('analyst', 'p2p_taskqueue_submit', { kind: 'embed', input: { texts: ['a'] } })
    expect(errorMeta(embed)).toMatchObject({ code: 'FORBIDDEN', kind: 'embed' })
    expect(errorMeta(embed).message).toContain('text_embed')
    const wasm = await call('analyst', 'p2p_taskqueue_submit', { kind: 'wasm', input: {} })
    expect(errorMeta(wasm)).toMatchObject({ code: 'FORBIDDEN', kind: 'wasm' })
    const batch = await call('analyst', 'p2p_taskqueue_submit', {
      tasks: [
        { kind: 'sha256', input: { text: 'a' } },
        { kind: 'embed', input: { texts: ['a'] } },
      ],
    })
    expect(errorMeta(batch).code).toBe('FORBIDDEN')
    const listed = await ok('operator', 'p2p_taskqueue_list_tasks', {})
    expect(listed.total).toBe(0)
  })

  it('lets an explicit kind grant through, and the operator submit any kind', async () => {
    const granted = await ok('builder', 'p2p_taskqueue_submit', { kind: 'echo', input: { x: 1 } })
    expect(granted.tasks).toHaveLength(1)
    expect(errorMeta(await call('builder', 'p2p_taskqueue_submit', { kind: 'embed', input: {} })).code).toBe(
      'FORBIDDEN',
    )
    const byOperator = await ok('operator', 'p2p_taskqueue_submit', {
      kind: 'embed',
      input: { texts: ['a'] },
    })
    expect(byOperator.tasks).toHaveLength(1)
  })

  it('checks the kind again on resubmit and update', async () => {
    const { tasks } = await ok('operator', 'p2p_taskqueue_submit', { kind: 'embed', input: { texts: ['b'] } })
    const id = tasks[0].id
    await ok('operator', 'p2p_taskqueue_cancel', { taskId: id })
    expect(errorMeta(await call('analyst', 'p2p_taskqueue_resubmit', { taskId: id })).code).toBe('FORBIDDEN')
    expect(
      errorMeta(await call('analyst', 'p2p_taskqueue_update_task', { taskId: id, tags: ['x'] })).code,
    ).toBe('FORBIDDEN')
    expect((await ok('operator', 'p2p_taskqueue_resubmit', { taskId: id })).previousId).toBe(id)
  })
})

describe('discovery under the access policy', () => {
  it('lists only the categories and tools the caller may call', async () => {
    const categories = (await meta('analyst', 'tools_list_categories', {})).structuredContent.categories
    expect(categories.map((c: any) => c.name).sort()).toEqual(['p2p_taskqueue', 'text', 'tools'])
    const text = categories.find((c: any) => c.name === 'text')
    const textTools = (await meta('analyst', 'tools_list_tools', { category: 'text' })).structuredContent
      .tools
    expect(textTools.map((t: any) => t.name)).not.toContain('text_embed')
    expect(text.toolCount).toBe(textTools.length)
    const hidden = await meta('analyst', 'tools_list_tools', { category: 'cache' })
    expect(errorMeta(hidden).code).toBe('UNKNOWN_CATEGORY')
    expect(errorMeta(hidden).validCategories).not.toContain('cache')
  })

  it('searches only what the caller may call', async () => {
    const search = async (who: string, query: string) =>
      (await meta(who, 'tools_search', { query, limit: 10 })).structuredContent.results.map(
        (r: any) => r.name,
      )
    expect(await search('operator', 'embed texts')).toContain('text_embed')
    const found = await search('analyst', 'embed texts')
    expect(found).not.toContain('text_embed')
    expect(found.every((name: string) => name.startsWith('text_') || name.startsWith('p2p_'))).toBe(true)
    expect(await search('analyst', 'cache get value')).not.toContain('cache_get')
  })

  it('never suggests a tool the caller may not call', async () => {
    const unknown = await call('analyst', 'cache_gett', {})
    expect(errorMeta(unknown).code).toBe('UNKNOWN_TOOL')
    expect(errorMeta(unknown).suggestions).toEqual([])
    expect(errorMeta(await call('operator', 'cache_gett', {})).suggestions).toContain('cache_get')
    expect(errorMeta(await call('analyst', 'text_hashh', {})).suggestions).toContain('text_hash')
    const schema = await meta('analyst', 'tools_get_schema', { tool: 'cache_gett' })
    expect(errorMeta(schema).suggestions).toEqual([])
    expect(errorMeta(await meta('analyst', 'tools_get_schema', { tool: 'cache_get' })).code).toBe('FORBIDDEN')
  })

  it('lists in flat mode only the tools the caller may call', async () => {
    const flat = await startTestRelay({ expose: 'flat', accessPolicy: relay.components.config.accessPolicy })
    try {
      const analyst = await connectClient(flat.url, { authorization: 'Bearer analyst-token' })
      const names = (await analyst.listTools()).tools.map((t) => t.name)
      expect(names).toContain('text_hash')
      expect(names).toContain('tools_dispatch')
      expect(names).not.toContain('text_embed')
      expect(names).not.toContain('cache_get')
      await analyst.close()
      const anonymous = await connectClient(flat.url)
      const open = (await anonymous.listTools()).tools.map((t) => t.name)
      expect(
        open.filter((name) => !name.startsWith('tools_')).every((name) => name.startsWith('system_')),
      ).toBe(true)
      await anonymous.close()
    } finally {
      await flat.close()
    }
  })
})
