import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { segmentFile } from '../relay/audit/manifest.ts'
import type { RunningRelay } from '../relay/relay.ts'
import { connectClient, dispatchTool, errorMeta, startTestRelay } from './helpers.ts'

type TestClient = Awaited<ReturnType<typeof connectClient>>

describe('audit log segments on a running relay', () => {
  let relay: RunningRelay
  let client: TestClient
  const ok = (tool: string, params: Record<string, unknown> = {}) => dispatchTool(client, tool, params)
  const call = (tool: string, params: Record<string, unknown>) =>
    client.callTool({ name: 'tools_dispatch', arguments: { tool, params } })

  beforeAll(async () => {
    // Every write seals: each flushed group of entries becomes a segment. Exported
    // segments may go at once; nothing else may.
    relay = await startTestRelay({ audit: { segmentMaxBytes: 1, removeExportedAfterSeconds: 0 } })
    client = await connectClient(relay.url)
  })
  afterAll(async () => {
    await client?.close()
    await relay?.close()
  })

  it('seals segments as the log grows, and verifies the chain across them', async () => {
    for (let i = 0; i < 4; i++) {
      await ok('text_hash', { text: `audited-${i}`, algorithm: 'sha256' })
      // A read writes what is pending, so each call ends up in a segment of its own.
      await ok('audit_query', { limit: 1 })
    }
    const { sealed, active } = await ok('audit_segments')
    expect(sealed.length).toBeGreaterThanOrEqual(4)
    expect(active.number).toBe(sealed.length + 1)
    const verified = await ok('audit_verify')
    // The listing call's own entry may have sealed one more by now.
    expect(verified).toMatchObject({ ok: true, from: { afterSeq: 0 } })
    expect(verified.segments).toBeGreaterThanOrEqual(sealed.length + 1)
    expect(verified.checked).toBeGreaterThanOrEqual(8)
    // The latest entries read across segments, newest first.
    const latest = await ok('audit_query', { tool: 'text_hash', limit: 3 })
    expect(latest.total).toBe(4)
    expect(latest.entries.map((e: any) => e.seq)).toEqual(
      [...latest.entries.map((e: any) => e.seq)].sort((a, b) => b - a),
    )
    const metrics = await (await fetch(`${relay.url}/metrics`)).text()
    const shown = Number(/mcpp_audit_segments\{state="sealed"\} (\d+)/.exec(metrics)?.[1])
    expect(shown).toBeGreaterThanOrEqual(sealed.length)
    expect(metrics).toMatch(/mcpp_audit_bytes\{state="sealed"\} [1-9]/)
  })

  it('exports a sealed segment with its manifest entry, and removes only exported ones, oldest first', async () => {
    const second = await ok('audit_export_segment', { segment: 2, path: 'audit/segment-2.db' })
    // Segment 1 is not exported: it stays, and holds back segment 2.
    expect(second).toMatchObject({ segment: { number: 2, exportedTo: second.path }, removed: [] })
    expect(existsSync(relay.components.audit.pathOf(1))).toBe(true)
    const sidecar = JSON.parse(readFileSync(second.sidecar, 'utf8'))
    expect(sidecar).toMatchObject({ file: 'segment-2.db', sha256: second.sha256, segment: { number: 2 } })
    expect(sidecar.segment.head).toBe(second.segment.head)
    expect(readFileSync(second.path).equals(readFileSync(relay.components.audit.pathOf(2)))).toBe(true)

    const first = await ok('audit_export_segment', { segment: 1, path: 'audit/segment-1.db' })
    expect(first.removed).toEqual([1, 2])
    expect(existsSync(relay.components.audit.pathOf(1))).toBe(false)
    const { sealed, removed } = await ok('audit_segments')
    expect(removed).toMatchObject({ throughSegment: 2, head: second.segment.head, count: 2 })
    expect(sealed.every((s: any) => s.exportedAt === null)).toBe(true)
    expect(await ok('audit_verify')).toMatchObject({
      ok: true,
      from: { anchor: second.segment.head, afterSeq: second.segment.lastSeq, removedSegments: 2 },
    })

    const gone = await call('audit_export_segment', { segment: 1, path: 'audit/again.db' })
    expect(errorMeta(gone).code).toBe('NOT_FOUND')
    const unknown = await call('audit_export_segment', { segment: 1_000_000, path: 'audit/none.db' })
    expect(errorMeta(unknown).code).toBe('NOT_FOUND')
    const outside = await call('audit_export_segment', { segment: 3, path: '../../outside.db' })
    expect(errorMeta(outside).problems[0].param).toBe('path')
  })

  it('names the segment and entry where a byte of a sealed segment was changed', async () => {
    const { entries } = await ok('audit_query', { tool: 'text_hash', limit: 1 })
    const target = entries[0]
    const { sealed } = await ok('audit_segments')
    const holder = sealed.find((s: any) => s.firstSeq <= target.seq && target.seq <= s.lastSeq)
    expect(holder).toBeDefined()
    const file = relay.components.audit.pathOf(holder.number)
    const bytes = readFileSync(file)
    const at = bytes.indexOf(target.paramsDigest)
    expect(at).toBeGreaterThan(0)
    bytes[at] = bytes[at] === 0x30 ? 0x31 : 0x30
    chmodSync(file, 0o644)
    writeFileSync(file, bytes)
    expect(await ok('audit_verify')).toMatchObject({
      ok: false,
      segment: holder.number,
      brokenAt: target.seq,
      problem: 'the entry was altered',
    })
  })
})

describe('a data directory of an earlier version', () => {
  it('adopts its single-file audit.db as segment 1, and keeps its entries readable and verified', async () => {
    const first = await startTestRelay()
    const dataDir = first.components.config.dataDir
    let client = await connectClient(first.url)
    await dispatchTool(client, 'text_hash', { text: 'before the upgrade', algorithm: 'sha256' })
    const before = await dispatchTool(client, 'audit_query', { tool: 'text_hash' })
    await client.close()
    await first.close()
    // What an earlier version left: the same table in <data-dir>/audit.db, no segments.
    renameSync(join(dataDir, 'audit', segmentFile(1)), join(dataDir, 'audit.db'))
    rmSync(join(dataDir, 'audit'), { recursive: true })

    const upgraded = await startTestRelay({ dataDir, audit: { segmentMaxEntries: 1 } })
    try {
      client = await connectClient(upgraded.url)
      expect(existsSync(join(dataDir, 'audit.db'))).toBe(false)
      const after = await dispatchTool(client, 'audit_query', { tool: 'text_hash' })
      expect(after.entries).toEqual(before.entries)
      await dispatchTool(client, 'text_hash', { text: 'after the upgrade', algorithm: 'sha256' })
      const verified = await dispatchTool(client, 'audit_verify', {})
      expect(verified).toMatchObject({ ok: true, from: { afterSeq: 0 } })
      expect(verified.segments).toBeGreaterThanOrEqual(2)
      const { sealed } = await dispatchTool(client, 'audit_segments', {})
      expect(sealed[0]).toMatchObject({ number: 1, firstSeq: 1 })
      await client.close()
    } finally {
      await upgraded.close()
    }
  })
})
