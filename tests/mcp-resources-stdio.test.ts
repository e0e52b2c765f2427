import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatchTool } from './helpers.ts'
import { BIN, connectStdio, SPAWN_TIMEOUT_MS, type StdioConnection } from './stdio-process.ts'

describe('resources, prompts and completions over stdio', { timeout: SPAWN_TIMEOUT_MS }, () => {
  let conn: StdioConnection

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-stdio-resources-'))
    conn = await connectStdio(process.execPath, [BIN, '--stdio', '--data-dir', dataDir, '--disable-p2p'])
  }, SPAWN_TIMEOUT_MS)
  afterAll(async () => {
    await conn?.client.close()
  })

  it('serves the same surface as /mcp: a graph resource, prompts and completions', async () => {
    const { client } = conn
    await dispatchTool(client, 'graph_create', { name: 'piped', type: 'undirected' })
    await dispatchTool(client, 'graph_add', { name: 'piped', nodes: [{ id: 'x' }] })
    const read = await client.readResource({ uri: 'mcpp://graphs/piped' })
    expect(JSON.parse(String((read.contents[0] as { text?: string } | undefined)?.text)).nodes).toEqual([
      { key: 'x' },
    ])
    expect((await client.listPrompts()).prompts.length).toBeGreaterThan(0)
    const graphs = await client.complete({
      ref: { type: 'ref/resource', uri: 'mcpp://graphs/{graph}' },
      argument: { name: 'graph', value: 'pi' },
    })
    expect(graphs.completion.values).toEqual(['piped'])
    expect(conn.errors).toEqual([])
  })
})
