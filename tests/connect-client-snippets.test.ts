import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configSchema } from '../relay/config/schema.ts'
import { dispatchTool } from './helpers.ts'
import { connectStdio, SPAWN_TIMEOUT_MS, type StdioConnection } from './stdio-process.ts'

/**
 * The README's "Connect a client" snippets (issue 15), read out of README.md by their
 * `<!-- client-… -->` markers: every stdio snippet names one command, which is run end
 * to end with the SDK's stdio client, and every HTTP snippet names the relay's MCP URL.
 */

const ROOT = join(import.meta.dirname, '..')
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')

/** The body of the fenced block of `lang` right after `<!-- marker -->`. */
function snippet(marker: string, lang: 'json' | 'sh'): string {
  const at = readme.indexOf(`<!-- ${marker} -->\n\`\`\`${lang}\n`)
  if (at === -1) throw new Error(`README.md has no \`\`\`${lang} block right after <!-- ${marker} -->`)
  const body = readme.indexOf('\n', readme.indexOf('```', at)) + 1
  return readme.slice(body, readme.indexOf('\n```\n', body) + 1)
}

interface Launch {
  command: string
  args: string[]
}

/** Each client's stdio snippet, reduced to what it launches. */
const stdioLaunches: Record<string, Launch> = {
  'Claude Desktop': JSON.parse(snippet('client-claude-desktop-stdio', 'json')).mcpServers.mcpp,
  'Claude Code': claudeAdd(snippet('client-claude-code-stdio', 'sh'), 'stdio'),
  Cursor: JSON.parse(snippet('client-cursor-stdio', 'json')).mcpServers.mcpp,
  'VS Code': vscode(JSON.parse(snippet('client-vscode-stdio', 'json')).servers.mcpp, 'stdio'),
}

/** Each client's HTTP snippet, reduced to the URL it connects to. */
const httpUrls: Record<string, string> = {
  // Claude Desktop's config launches only local servers: the mcp-remote bridge takes the URL.
  'Claude Desktop': bridgeUrl(JSON.parse(snippet('client-claude-desktop-http', 'json')).mcpServers.mcpp),
  'Claude Code': claudeAdd(snippet('client-claude-code-http', 'sh'), 'http').command,
  Cursor: JSON.parse(snippet('client-cursor-http', 'json')).mcpServers.mcpp.url,
  'VS Code': vscode(JSON.parse(snippet('client-vscode-http', 'json')).servers.mcpp, 'http').url,
}

/** `claude mcp add --transport <t> mcpp -- cmd args…` (stdio) or `… mcpp <url>` (http). */
function claudeAdd(text: string, transport: 'stdio' | 'http'): Launch {
  const words = text.trim().split(/\s+/)
  const head = ['claude', 'mcp', 'add', '--transport', transport, 'mcpp']
  expect(words.slice(0, head.length)).toEqual(head)
  const rest = words.slice(head.length)
  if (transport === 'http') return { command: rest[0] ?? '', args: rest.slice(1) }
  expect(rest[0]).toBe('--')
  return { command: rest[1] ?? '', args: rest.slice(2) }
}

function vscode(server: { type: string } & Record<string, any>, type: 'stdio' | 'http'): any {
  expect(server.type).toBe(type)
  return server
}

function bridgeUrl(server: Launch): string {
  expect(server.command).toBe('npx')
  expect(server.args.slice(0, 2)).toEqual(['-y', 'mcp-remote'])
  return server.args[2] ?? ''
}

/** The placeholders the README asks the reader to replace. */
function resolvePlaceholders(launch: Launch, dataDir: string): Launch {
  const fill = (s: string) => s.replaceAll('/path/to/mcpp-data', dataDir).replaceAll('/path/to/mcpp', ROOT)
  return { command: fill(launch.command), args: launch.args.map(fill) }
}

describe('README stdio snippets', { timeout: SPAWN_TIMEOUT_MS }, () => {
  let conn: StdioConnection

  beforeAll(async () => {
    const launch = resolvePlaceholders(
      stdioLaunches['Claude Desktop'] as Launch,
      mkdtempSync(join(tmpdir(), 'mcpp-snippet-')),
    )
    conn = await connectStdio(launch.command, launch.args)
  }, SPAWN_TIMEOUT_MS)
  afterAll(async () => {
    await conn?.client.close()
  })

  it('all launch the same command, with --stdio', () => {
    const [first, ...rest] = Object.values(stdioLaunches)
    for (const launch of rest) expect({ command: launch.command, args: launch.args }).toEqual(first)
    expect(first?.args).toContain('--stdio')
  })

  it('start a working stdio server (run end to end)', async () => {
    const { tools } = await conn.client.listTools()
    expect(tools.map((t) => t.name)).toContain('tools_dispatch')
    expect(await dispatchTool(conn.client, 'system_echo', { message: 'from the README' })).toEqual({
      message: 'from the README',
    })
    expect(conn.errors).toEqual([])
  })

  it('name the MCP path the relay serves over HTTP beside stdio', async () => {
    // The stdio relay logs its HTTP address on stderr (a free port in stdio mode); the
    // README's path on that address must be an MCP endpoint.
    const origin = /HTTP at (http:\/\/[^/\s]+)\//.exec(conn.stderr())?.[1]
    expect(origin).toBeDefined()
    const client = new Client({ name: 'mcpp-snippet-test', version: '1.0.0' })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(new URL(httpUrls.Cursor as string).pathname, origin)),
    )
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('tools_dispatch')
    } finally {
      await client.close()
    }
  })
})

describe('README HTTP snippets', () => {
  it("all name the relay's MCP URL on its default address", () => {
    const defaults = configSchema.parse({})
    const expected = `http://${defaults.host}:${defaults.port}/mcp`
    expect(httpUrls).toEqual({
      'Claude Desktop': expected,
      'Claude Code': expected,
      Cursor: expected,
      'VS Code': expected,
    })
  })
})
