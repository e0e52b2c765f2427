import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { paramsDigest } from '../relay/audit/audit-log.ts'
import type { RunningRelay } from '../relay/relay.ts'
import { connectClient, errorMeta, startTestRelay } from './helpers.ts'

let relay: RunningRelay
let client: Client

beforeAll(async () => {
  relay = await startTestRelay()
  client = await connectClient(relay.url)
})
afterAll(async () => {
  await client?.close()
  await relay?.close()
})

const dispatch = (tool: string, params: Record<string, unknown>) =>
  client.callTool({ name: 'tools_dispatch', arguments: { tool, params } })
async function ok(tool: string, params: Record<string, unknown>): Promise<any> {
  const result = await dispatch(tool, params)
  if (result.isError) throw new Error(JSON.stringify(result.content))
  return (result.structuredContent as any).result
}

describe('the audit log', () => {
  it('records every call with its session, parameter digest, outcome and runtime', async () => {
    await ok('text_hash', { text: 'audited', algorithm: 'sha256' })
    await dispatch('text_hash', { text: 'x', nope: 1 })
    const { entries } = await ok('audit_query', { tool: 'text_hash' })
    expect(entries).toHaveLength(2)
    const [failed, done] = entries
    expect(done).toMatchObject({
      tool: 'text_hash',
      outcome: 'ok',
      runtime: 'local',
      paramsDigest: paramsDigest({ text: 'audited', algorithm: 'sha256' }),
      sessionId: (client as any)._transport.sessionId,
    })
    expect(failed).toMatchObject({ tool: 'text_hash', outcome: 'INVALID_PARAMS', runtime: null })
    // A successful dispatch is the entry of the tool it ran; a failed dispatch is recorded itself.
    await dispatch('no_such_tool', {})
    const dispatches = await ok('audit_query', { tool: 'tools_dispatch' })
    expect(dispatches.entries.map((e: any) => e.outcome)).toEqual(['UNKNOWN_TOOL', 'INVALID_PARAMS'])
  })

  it('verifies the chain, and finds an entry altered behind its back', async () => {
    expect(await ok('audit_verify', {})).toMatchObject({ ok: true })
    relay.components.audit.flush()
    const db = new DatabaseSync(join(relay.components.config.dataDir, 'audit.db'))
    expect(() => db.exec(`UPDATE audit SET outcome = 'TAMPERED' WHERE seq = 2`)).toThrow(/append-only/)
    db.exec('DROP TRIGGER audit_no_update')
    db.exec(`UPDATE audit SET outcome = 'TAMPERED' WHERE seq = 2`)
    db.close()
    expect(await ok('audit_verify', {})).toMatchObject({
      ok: false,
      brokenAt: 2,
      problem: 'the entry was altered',
    })
  })

  it('exports JSONL and CSV under the data roots, and refuses paths outside them', async () => {
    const jsonl = await ok('audit_export', { path: 'audit/log.jsonl' })
    const lines = readFileSync(jsonl.path, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(jsonl.entries)
    expect(JSON.parse(lines[0] as string)).toMatchObject({ seq: 1, prevHash: '0'.repeat(64) })
    const csv = await ok('audit_export', { path: 'audit/log.csv', format: 'csv' })
    expect(readFileSync(csv.path, 'utf8').split('\n')[0]).toBe(
      'seq,time,tool,sessionId,identity,paramsDigest,outcome,runtime,durationMs,prevHash,hash',
    )
    const outside = await dispatch('audit_export', { path: '../../outside.jsonl' })
    expect(errorMeta(outside).problems[0].param).toBe('path')
  })
})
