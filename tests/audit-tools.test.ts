import { readFileSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import { describe, expect, it } from 'vitest'
import { paramsDigest } from '../relay/audit/params-digest.ts'
import { errorMeta, toolHarness } from './helpers.ts'

const h = toolHarness()
const { call, ok } = h

describe('the audit log', () => {
  it('records every call with its session, parameter digest, outcome and runtime', async () => {
    await ok('text_hash', { text: 'audited', algorithm: 'sha256' })
    await call('text_hash', { text: 'x', nope: 1 })
    const { entries } = await ok('audit_query', { tool: 'text_hash' })
    expect(entries).toHaveLength(2)
    const [failed, done] = entries
    expect(done).toMatchObject({
      tool: 'text_hash',
      outcome: 'ok',
      runtime: 'local',
      paramsDigest: paramsDigest({ text: 'audited', algorithm: 'sha256' }),
      sessionId: (h.client as any)._transport.sessionId,
    })
    expect(failed).toMatchObject({ tool: 'text_hash', outcome: 'INVALID_PARAMS', runtime: null })
    // A successful dispatch is the entry of the tool it ran; a failed dispatch is recorded itself.
    await call('no_such_tool', {})
    const dispatches = await ok('audit_query', { tool: 'tools_dispatch' })
    expect(dispatches.entries.map((e: any) => e.outcome)).toEqual(['UNKNOWN_TOOL', 'INVALID_PARAMS'])
    // This client has no identity: its calls are `anonymous`'s, and nobody else's.
    const mine = await ok('audit_query', { tool: 'text_hash', identity: 'anonymous' })
    expect(mine.entries).toHaveLength(2)
    expect(await ok('audit_query', { tool: 'text_hash', identity: 'alice' })).toMatchObject({
      entries: [],
      total: 0,
    })
  })

  it('verifies the chain, and finds an entry altered behind its back', async () => {
    expect(await ok('audit_verify', {})).toMatchObject({ ok: true })
    h.relay.components.audit.flush()
    const db = new DatabaseSync(h.relay.components.audit.activePath)
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
    const outside = await call('audit_export', { path: '../../outside.jsonl' })
    expect(errorMeta(outside).problems[0].param).toBe('path')
    // An existing directory as the output is the caller's mistake, not INTERNAL (found by the fuzz suite).
    expect(errorMeta(await call('audit_export', { path: 'audit' })).code).toBe('CONFLICT')
  })
})
