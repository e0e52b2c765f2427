import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseJSONRPCMessage } from '@modelcontextprotocol/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCK_FILE } from '../relay/data-dir-lock.ts'
import { dispatchTool, initializeBody } from './helpers.ts'
import { exited } from './relay-process.ts'
import { BIN, connectStdio, SPAWN_TIMEOUT_MS, type StdioConnection } from './stdio-process.ts'

/**
 * `mcpp --stdio` (issue 15) as a client application runs it: the package's bin spawned
 * as a child process, MCP over its stdin/stdout, logs on stderr.
 */

const META_TOOLS = ['tools_dispatch', 'tools_get_schema', 'tools_list_categories', 'tools_search']

function dataDir(): string {
  return mkdtempSync(join(tmpdir(), 'mcpp-stdio-'))
}

describe.each([
  ['2025-11-25', 'legacy'],
  ['2026-07-28', 'modern'],
] as const)(
  'mcpp --stdio with the SDK stdio client speaking %s',
  { timeout: SPAWN_TIMEOUT_MS },
  (revision, era) => {
    let conn: StdioConnection

    beforeAll(async () => {
      conn = await connectStdio(process.execPath, [BIN, '--stdio', '--data-dir', dataDir()], { era })
    }, SPAWN_TIMEOUT_MS)
    afterAll(async () => {
      await conn?.client.close()
    })

    it('connects to the mcpp server in its era and lists the meta-tools', async () => {
      expect(conn.client.getNegotiatedProtocolVersion()).toBe(revision)
      expect(conn.client.getServerVersion()?.name).toBe('mcpp')
      const { tools } = await conn.client.listTools()
      expect(tools.map((t) => t.name).sort()).toEqual(expect.arrayContaining(META_TOOLS))
    })

    it('runs a relay tool through tools_dispatch and audits it under the operator identity', async () => {
      expect(await dispatchTool(conn.client, 'system_echo', { message: 'over stdio' })).toEqual({
        message: 'over stdio',
      })
      const audit = await dispatchTool(conn.client, 'audit_query', { tool: 'system_echo' })
      expect(audit.entries.map((e: { identity: string | null }) => e.identity)).toEqual(['operator'])
    })

    it('writes nothing but JSON-RPC to stdout, and its logs to stderr', async () => {
      await conn.client.listTools()
      expect(conn.errors).toEqual([])
      expect(conn.stderr()).toContain('mcpp relay ready: MCP over stdio')
      expect(conn.stderr()).toContain('"message":"serving MCP over stdio"')
    })
  },
)

describe('mcpp --stdio on the wire', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it('answers unreadable lines with JSON-RPC errors, goes on, and exits cleanly when stdin closes', async () => {
    const dir = dataDir()
    const child = spawn(process.execPath, [BIN, '--stdio', '--data-dir', dir, '--max-body-bytes', '4096'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const lines: string[] = []
    const waiters = new Map<number, () => void>()
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line)
      const id = (JSON.parse(line) as { id?: number }).id
      if (id !== undefined) waiters.get(id)?.()
    })
    const send = (message: unknown, id?: number) => {
      const answered = new Promise<void>((resolve) => {
        if (id !== undefined) waiters.set(id, resolve)
      })
      child.stdin.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`)
      return id === undefined ? Promise.resolve() : answered
    }

    await send(initializeBody(1), 1)
    await send({ jsonrpc: '2.0', method: 'notifications/initialized' })
    await send('this is not json')
    await send({ hello: 'world' })
    await send(`"${'x'.repeat(5000)}"`)
    await send({ jsonrpc: '2.0', id: 2, method: 'no/such/method' }, 2)
    await send({ jsonrpc: '2.0', id: 3, method: 'tools/list' }, 3)
    child.stdin.end()
    await exited(child)

    const messages = lines.map((l) => JSON.parse(l))
    // Every stdout line is a JSON-RPC message: no log, no banner.
    for (const m of messages) expect(() => parseJSONRPCMessage(m)).not.toThrow()
    const errors = messages.filter((m) => m.error !== undefined)
    expect(errors.map((m) => [m.id, m.error.code, m.error.data?.code])).toEqual([
      [undefined, -32700, 'BAD_DATA'],
      [undefined, -32600, 'INVALID_PARAMS'],
      [undefined, -32600, 'INVALID_PARAMS'],
      [2, -32601, undefined],
    ])
    const list = messages.find((m) => m.id === 3)
    expect(list.result.tools.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(META_TOOLS))
    // A clean stop: exit status 0 and the data-dir lock released (the last part to stop).
    expect(child.exitCode).toBe(0)
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false)
  })
})

describe('mcpp --stdio identity', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it('applies the access policy of --stdio-identity', async () => {
    const dir = dataDir()
    const policy = join(dir, 'policy.yaml')
    const digest = createHash('sha256').update('reader-token').digest('hex')
    writeFileSync(policy, `identities:\n  reader:\n    tokenSha256: ${digest}\n    allow: ['system_*']\n`)
    const conn = await connectStdio(process.execPath, [
      BIN,
      '--stdio',
      '--data-dir',
      dir,
      '--access-policy',
      policy,
      '--stdio-identity',
      'reader',
    ])
    try {
      expect(await dispatchTool(conn.client, 'system_echo', { message: 'ok' })).toEqual({ message: 'ok' })
      const refused = await conn.client.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'audit_query', params: {} },
      })
      expect(refused.isError).toBe(true)
      const meta = refused._meta as { 'mcpp/error'?: { code: string } } | undefined
      expect(meta?.['mcpp/error']?.code).toBe('FORBIDDEN')
    } finally {
      await conn.client.close()
    }
  })

  it('refuses an identity the access policy does not know, with status 2', async () => {
    const child = spawn(
      process.execPath,
      [BIN, '--stdio', '--data-dir', dataDir(), '--stdio-identity', 'nobody'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    )
    let err = ''
    child.stderr.on('data', (d) => {
      err += d
    })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    await exited(child)
    expect(child.exitCode).toBe(2)
    expect(err).toContain('--stdio-identity "nobody"')
    expect(out).toBe('')
  })
})

describe('the mcpp bin', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it('prints the relay options with --help, --stdio among them', async () => {
    // Run as a command (its shebang), as npx runs it: the `node` on the PATH of npm and
    // npx is the pinned Node 22 (node_modules/.bin).
    const child = spawn(BIN, ['--help'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    await exited(child)
    expect(child.exitCode).toBe(0)
    for (const flag of ['--stdio ', '--stdio-identity <value>', '--port <value>', '--data-dir <value>']) {
      expect(out).toContain(flag)
    }
  })
})
