import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { connectClient, dispatchTool, errorMeta, MODERN_REVISION, startTestRelay } from './helpers.ts'

// Issue 15: the stateless 2026-07-28 revision next to 2025-11-25 sessions, on one /mcp.

const sha = (text: string) => createHash('sha256').update(text).digest('hex')
const OPERATOR = { authorization: 'Bearer operator-token' }
const READER = { authorization: 'Bearer reader-token' }

let relay: RunningRelay
let modern: Client
let legacy: Client
let reader: Client

beforeAll(async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'mcpp-modern-')), 'policy.yaml')
  writeFileSync(
    path,
    [
      'identities:',
      '  reader:',
      `    tokenSha256: ${sha('reader-token')}`,
      "    allow: ['dataset_*', 'tools_*', 'system_echo']",
    ].join('\n'),
  )
  relay = await startTestRelay({ token: 'operator-token', accessPolicy: path })
  modern = await connectClient(relay.url, OPERATOR, { era: 'modern' })
  legacy = await connectClient(relay.url, OPERATOR)
  reader = await connectClient(relay.url, READER, { era: 'modern' })
})
afterAll(async () => {
  await Promise.all([modern?.close(), legacy?.close(), reader?.close()])
  await relay?.close()
})

/** One raw POST to /mcp, answered as JSON. */
async function post(body: unknown, headers: Record<string, string>) {
  const res = await fetch(`${relay.url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...OPERATOR,
      ...headers,
    },
    body: JSON.stringify(body),
  })
  return { status: res.status, session: res.headers.get('mcp-session-id'), body: (await res.json()) as any }
}

const envelope = (revision = MODERN_REVISION) => ({
  'io.modelcontextprotocol/protocolVersion': revision,
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
})
const callBody = (name: string, revision?: string) => ({
  jsonrpc: '2.0',
  id: 7,
  method: 'tools/call',
  params: { name, arguments: {}, _meta: envelope(revision) },
})
const callHeaders = (name: string) => ({
  'mcp-protocol-version': MODERN_REVISION,
  'mcp-method': 'tools/call',
  'mcp-name': name,
})

describe('both protocol eras on /mcp', () => {
  it('negotiates 2026-07-28 with a pinned client and 2025-11-25 with a default one', () => {
    expect(modern.getNegotiatedProtocolVersion()).toBe(MODERN_REVISION)
    expect(legacy.getNegotiatedProtocolVersion()).toBe('2025-11-25')
    expect(modern.getServerVersion()?.name).toBe('mcpp')
  })

  it('serves both eras the same tools, and a 2026 request opens no session', async () => {
    const [a, b] = await Promise.all([modern.listTools(), legacy.listTools()])
    expect(a.tools.map((t) => t.name)).toEqual(b.tools.map((t) => t.name))
    const reply = await post(callBody('tools_list_categories'), callHeaders('tools_list_categories'))
    expect(reply.status).toBe(200)
    expect(reply.session).toBeNull()
    expect(reply.body.result.isError).toBeFalsy()
    expect(relay.components.sessions.size).toBe(1) // the 2025 client's only
  })

  it("runs a 2026 caller's calls under its identity: the access policy, and the audit log", async () => {
    const echoed = await dispatchTool(reader, 'system_echo', { message: 'from 2026' })
    expect(echoed).toEqual({ message: 'from 2026' })
    const refused = await reader.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'graph_list', params: {} },
    })
    expect(refused.isError).toBe(true)
    expect(errorMeta(refused).code).toBe('FORBIDDEN')
    const { entries } = await dispatchTool(legacy, 'audit_query', { tool: 'system_echo', limit: 10 })
    expect(entries).toContainEqual(expect.objectContaining({ tool: 'system_echo', identity: 'reader' }))
  })

  it('answers an unknown tool with the same plain error in both eras', async () => {
    const [a, b] = await Promise.all([
      modern.callTool({ name: 'no_such_tool', arguments: {} }).catch((e: Error) => e),
      legacy.callTool({ name: 'no_such_tool', arguments: {} }).catch((e: Error) => e),
    ])
    expect(String(a)).toMatch(/Unknown tool: no_such_tool/)
    expect((a as { code?: number }).code).toBe(-32602)
    expect((a as Error).message).toBe((b as Error).message)
  })
})

describe('resources, prompts and completions in the 2026 era', () => {
  it('reads the tool reference, fills a prompt and completes a tool name', async () => {
    const docs = await modern.readResource({ uri: 'mcpp://docs/tools.md' })
    expect(JSON.stringify(docs.contents[0])).toContain('system_echo')
    const { prompts } = await modern.listPrompts()
    expect(prompts.length).toBeGreaterThanOrEqual(4)
    const completed = await modern.complete({
      ref: { type: 'ref/prompt', name: 'find_a_tool' },
      argument: { name: 'tool', value: 'system_ec' },
    })
    expect(completed.completion.values).toContain('system_echo')
  })

  it('notifies a 2026 listen stream when its task ends, and frees the stream slot on close', async () => {
    const submitted = await dispatchTool(modern, 'p2p_taskqueue_submit', { kind: 'echo', input: { n: 1 } })
    const taskId: string = submitted.tasks[0].id
    const uri = `mcpp://tasks/${taskId}`
    const updated = new Promise<string>((resolve) =>
      modern.setNotificationHandler('notifications/resources/updated', (n) => resolve(n.params.uri)),
    )
    const streams = relay.components.quotas.sseStreams
    const before = streams.inUse
    const subscription = await modern.listen({ resourceSubscriptions: [uri] })
    expect(subscription.honoredFilter.resourceSubscriptions).toEqual([uri])
    expect(streams.inUse).toBe(before + 1)
    await dispatchTool(legacy, 'p2p_taskqueue_cancel', { taskId })
    expect(await updated).toBe(uri)
    await subscription.close()
    await vi.waitFor(() => expect(streams.inUse).toBe(before))
  })

  it('refuses a listen on a task the caller may not read, before any stream opens', async () => {
    const submitted = await dispatchTool(modern, 'p2p_taskqueue_submit', { kind: 'echo', input: { n: 2 } })
    const uri = `mcpp://tasks/${submitted.tasks[0].id}`
    const refused = await reader.listen({ resourceSubscriptions: [uri] }).catch((e: { data?: unknown }) => e)
    expect((refused as { data?: unknown }).data).toMatchObject({ code: 'FORBIDDEN' })
    const missing = await modern
      .listen({ resourceSubscriptions: ['mcpp://tasks/no-such-task'] })
      .catch((e: { data?: unknown }) => e)
    expect((missing as { data?: unknown }).data).toMatchObject({ code: 'NOT_FOUND' })
  })
})

describe('malformed 2026 requests', () => {
  it("answers each with the SDK's error and goes on serving", async () => {
    const unsupported = await post(callBody('tools_list_categories', '2099-01-01'), {
      ...callHeaders('tools_list_categories'),
      'mcp-protocol-version': '2099-01-01',
    })
    expect(unsupported.status).toBe(400)
    expect(unsupported.body.error.code).toBe(-32022)
    expect(unsupported.body.error.data.supported).toContain(MODERN_REVISION)

    const { 'mcp-method': _method, ...noMethod } = callHeaders('tools_list_categories')
    const missingHeader = await post(callBody('tools_list_categories'), noMethod)
    expect([missingHeader.status, missingHeader.body.error.code]).toEqual([400, -32020])

    const mismatch = await post(callBody('tools_list_categories'), { ...callHeaders('other_tool') })
    expect([mismatch.status, mismatch.body.error.code]).toEqual([400, -32020])

    const noEnvelope = await post(
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: {} } },
      callHeaders('x'),
    )
    expect(noEnvelope.body.error.code).toBe(-32602)

    const badEnvelope = await post(
      {
        ...callBody('tools_list_categories'),
        params: { name: 'tools_list_categories', _meta: { 'io.modelcontextprotocol/protocolVersion': 42 } },
      },
      callHeaders('tools_list_categories'),
    )
    expect(badEnvelope.status).toBe(400)

    expect(await dispatchTool(modern, 'system_echo', { message: 'still here' })).toEqual({
      message: 'still here',
    })
  })
})
