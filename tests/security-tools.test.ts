import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { connectClient, errorMeta, startTestRelay, toolHarness } from './helpers.ts'

const h = toolHarness()
const { call, ok } = h

describe('security scanning and redaction', () => {
  it('finds secrets and personal data in text, with lines', async () => {
    const text = 'config:\n  aws_key: AKIAIOSFODNN7EXAMPLE\n  owner: ada@example.org'
    const out = await ok('security_scan_text', { text })
    expect(out.findings.map((f: any) => [f.type, f.line])).toEqual([
      ['aws_access_key_id', 2],
      ['email', 3],
    ])
    expect(out.counts).toEqual({ aws_access_key_id: 1, email: 1 })
    const piiOnly = await ok('security_scan_text', { text, kinds: ['pii'] })
    expect(piiOnly.counts).toEqual({ email: 1 })
  })

  it('scans a Parquet dataset cell by cell, numbers included', async () => {
    const file = join(h.relay.components.config.dataDir, 'files', 'customers.parquet')
    const db = await DuckDBInstance.create(':memory:')
    const c = await db.connect()
    await c.run(
      `COPY (SELECT * FROM (VALUES ('Ada', 'ada@example.org', 4111111111111111, 'none'),
        ('Bob', 'n/a', 1234, 'AKIAIOSFODNN7EXAMPLE')) AS t(name, contact, card, note)) TO '${file}' (FORMAT parquet)`,
    )
    c.closeSync()
    db.closeSync()
    await ok('dataset_load', { name: 'customers', source: { path: 'customers.parquet' } })
    const out = await ok('security_scan_dataset', { name: 'customers' })
    expect(out.rows).toBe(2)
    expect(out.findings.map((f: any) => [f.row, f.column, f.type])).toEqual([
      [0, 'contact', 'email'],
      [0, 'card', 'card_number'],
      [1, 'note', 'aws_access_key_id'],
    ])
    expect(out.truncated).toBe(false)
    const secretsOnly = await ok('security_scan_dataset', {
      name: 'customers',
      columns: ['note'],
      kinds: ['secret'],
    })
    expect(secretsOnly.counts).toEqual({ aws_access_key_id: 1 })
    expect(
      errorMeta(await call('security_scan_dataset', { name: 'customers', columns: ['nope'] })).problems[0]
        .param,
    ).toBe('columns')
  })

  it('scans a dataset file and writes a redacted copy, keeping the original', async () => {
    const dir = join(h.relay.components.config.dataDir, 'files')
    writeFileSync(
      join(dir, 'people.csv'),
      'name,email,card\nAda,ada@example.org,4111 1111 1111 1111\nBob,bob@corp.io,1234\n',
    )
    const scanned = await ok('security_scan_file', { path: 'people.csv' })
    expect(scanned.counts).toEqual({ email: 2, card_number: 1 })
    const redacted = await ok('security_redact_file', { path: 'people.csv', output: 'people.redacted.csv' })
    expect(redacted.redacted).toBe(3)
    expect(readFileSync(join(dir, 'people.redacted.csv'), 'utf8')).toBe(
      'name,email,card\nAda,[REDACTED:email],[REDACTED:card_number]\nBob,[REDACTED:email],1234\n',
    )
    expect(readFileSync(join(dir, 'people.csv'), 'utf8')).toContain('ada@example.org')
    const text = await ok('security_redact_text', { text: 'mail me: x@y.com', replacement: '***' })
    expect(text).toMatchObject({ text: 'mail me: ***', redacted: 1 })
    expect(errorMeta(await call('security_scan_file', { path: '../../etc/passwd' })).problems[0].param).toBe(
      'path',
    )
  })
})

describe('the access policy', () => {
  const sha = (t: string) => createHash('sha256').update(t).digest('hex')
  const policyFile = (yaml: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'mcpp-policy-')), 'policy.yaml')
    writeFileSync(path, yaml)
    return path
  }

  it('lets each identity call only what it is allowed, and says why', async () => {
    const path = policyFile(
      [
        'identities:',
        '  analyst:',
        `    tokenSha256: ${sha('analyst-token')}`,
        "    allow: ['text_*', 'category:security']",
        "    deny: ['text_embed']",
        'default:',
        "  allow: ['system_*']",
      ].join('\n'),
    )
    const relay = await startTestRelay({ accessPolicy: path })
    try {
      const analyst = await connectClient(relay.url, { authorization: 'Bearer analyst-token' })
      const run = (tool: string, params: Record<string, unknown>) =>
        analyst.callTool({ name: 'tools_dispatch', arguments: { tool, params } })
      expect((await run('text_hash', { text: 'a' })).isError).toBeFalsy()
      expect(errorMeta(await run('text_embed', { texts: ['a'] }))).toMatchObject({ code: 'FORBIDDEN' })
      expect(errorMeta(await run('cache_get', { key: 'k' })).message).toContain('does not allow cache_get')
      const decision = await run('security_check_access', { tool: 'cache_get' })
      expect((decision.structuredContent as any).result).toMatchObject({
        identity: 'analyst',
        allowed: false,
      })
      await analyst.close()

      const anonymous = await connectClient(relay.url)
      const health = await anonymous.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'system_health', params: {} },
      })
      expect(health.isError).toBeFalsy()
      const denied = await anonymous.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'text_hash', params: { text: 'a' } },
      })
      expect(errorMeta(denied).code).toBe('FORBIDDEN')
      await anonymous.close()

      await expect(connectClient(relay.url, { authorization: 'Bearer wrong' })).rejects.toThrow()
      const audit = relay.components.audit.query({ outcome: 'FORBIDDEN', limit: 10, offset: 0 })
      expect(audit.entries.map((e) => [e.tool, e.identity])).toContainEqual(['text_embed', 'analyst'])
    } finally {
      await relay.close()
    }
  })

  it('stops start-up on a bad policy file, naming the key', async () => {
    const path = policyFile('identities:\n  analyst:\n    tokenSha256: not-hex\n')
    await expect(startTestRelay({ accessPolicy: path })).rejects.toThrow(/identities\.analyst\.tokenSha256/)
  })
})
