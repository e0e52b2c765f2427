import { chmodSync, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import { GENESIS } from './audit-entry.ts'
import { DAY, entry, fill, openLog, stopOpened, tempDir } from './audit-log-fixtures.ts'
import { segmentFile } from './manifest.ts'

afterEach(stopOpened)

describe('AuditLog', () => {
  it('continues the chain after reopening and detects a removed entry', () => {
    const dir = tempDir()
    const first = openLog(dir)
    first.append(entry('a'))
    const second = first.append(entry('b'))
    first.stop()
    const again = openLog(dir)
    const third = again.append(entry('c'))
    expect(third).toMatchObject({ seq: 3, prevHash: second?.hash })
    expect(again.verify()).toMatchObject({ ok: true, checked: 3, segments: 1 })
    again.stop()
    const db = new DatabaseSync(join(dir, 'audit', segmentFile(1)))
    db.exec('DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 2')
    db.close()
    expect(openLog(dir).verify()).toMatchObject({
      ok: false,
      brokenAt: 3,
      segment: 1,
      problem: 'entry 2 is missing',
    })
  })

  it('seals a segment once it reaches the size limit, anchored to the previous head and read-only', async () => {
    const dir = tempDir()
    // Any entry makes a segment bigger than one byte: every flush seals.
    const log = openLog(dir, { segmentMaxBytes: 1 })
    await fill(log, 1, 4)
    const { sealed, active } = log.manifest
    expect(sealed.map((s) => [s.number, s.firstSeq, s.lastSeq, s.entries])).toEqual([
      [1, 1, 1, 1],
      [2, 2, 2, 1],
      [3, 3, 3, 1],
      [4, 4, 4, 1],
    ])
    expect(sealed[0]?.anchor).toBe(GENESIS)
    for (const [i, s] of sealed.entries()) {
      if (i > 0) expect(s.anchor).toBe(sealed[i - 1]?.head)
      expect(statSync(log.pathOf(s.number)).mode & 0o222).toBe(0)
      expect(existsSync(`${log.pathOf(s.number)}-wal`)).toBe(false)
    }
    expect(active).toEqual({ number: 5, firstSeq: 5, anchor: sealed[3]?.head })
    await fill(log, 5, 1)
    expect(log.verify()).toMatchObject({ ok: true, checked: 5, segments: 6, from: { anchor: GENESIS } })
    // Reading across segments: newest first, paged as one table.
    expect(log.query({ limit: 2, offset: 1 }).entries.map((e) => e.seq)).toEqual([4, 3])
    expect(log.query({ limit: 10, offset: 0, tool: 'tool-0002' })).toMatchObject({
      total: 1,
      entries: [{ seq: 2 }],
    })
    // A reopened log keeps appending to the active segment, after the sealed ones.
    log.stop()
    const again = openLog(dir, { segmentMaxBytes: 1 })
    const head = again.query({ limit: 1, offset: 0 }).entries[0]
    expect(head?.seq).toBe(5)
    expect(again.append(entry('next'))).toMatchObject({ seq: 6, prevHash: head?.hash })
  })

  it('names the segment and entry of a byte changed in a sealed segment', async () => {
    const dir = tempDir()
    const log = openLog(dir, { segmentMaxEntries: 3 })
    await fill(log, 1, 8)
    expect(log.manifest.sealed.map((s) => s.number)).toEqual([1, 2])
    const file = log.pathOf(2)
    const bytes = readFileSync(file)
    const at = bytes.indexOf('tool-0005')
    expect(at).toBeGreaterThan(0)
    bytes[at + 8] = '9'.charCodeAt(0)
    chmodSync(file, 0o644)
    writeFileSync(file, bytes)
    expect(log.verify()).toMatchObject({
      ok: false,
      segment: 2,
      brokenAt: 5,
      problem: 'the entry was altered',
    })
  })

  it('reports a sealed segment that is missing without having been removed by policy', async () => {
    const dir = tempDir()
    const log = openLog(dir, { segmentMaxEntries: 2 })
    await fill(log, 1, 5)
    rmSync(log.pathOf(1))
    expect(log.verify()).toMatchObject({ ok: false, segment: 1, brokenAt: 1 })
    expect(log.verify().problem).toMatch(/segment 1 is missing/)
  })

  it('removes exported segments after the configured age, never unexported ones, and verifies from the anchor', async () => {
    const dir = tempDir()
    let now = 0
    const log = openLog(dir, {
      segmentMaxEntries: 2,
      now: () => now,
      removal: { removeExportedAfterSeconds: 86_400, maxSealedSegments: 0 },
    })
    await fill(log, 1, 9)
    expect(log.manifest.sealed.map((s) => s.number)).toEqual([1, 2, 3, 4])
    log.markExported(1, '/copy/1')
    log.markExported(3, '/copy/3')
    now = DAY - 1
    expect(log.removeByPolicy()).toEqual([])
    now = DAY
    // Segment 3 is exported too, but segment 2 is not: only the prefix before it goes.
    expect(log.removeByPolicy()).toEqual([1])
    expect(existsSync(log.pathOf(1))).toBe(false)
    expect(existsSync(log.pathOf(2))).toBe(true)
    const head1 = log.query({ limit: 10, offset: 0 }).entries.find((e) => e.seq === 3)?.prevHash
    expect(log.manifest.removed).toMatchObject({ throughSegment: 1, lastSeq: 2, head: head1, count: 1 })
    expect(log.verify()).toMatchObject({
      ok: true,
      checked: 7,
      segments: 4,
      from: { anchor: head1, afterSeq: 2, removedSegments: 1 },
    })
    log.markExported(2, '/copy/2')
    now = 3 * DAY
    expect(log.removeByPolicy()).toEqual([2, 3])
    expect(log.manifest.sealed.map((s) => s.number)).toEqual([4])
    expect(log.verify()).toMatchObject({ ok: true, checked: 3, from: { afterSeq: 6, removedSegments: 3 } })
    // The recorded anchor is what the rest must link to.
    log.stop()
    const manifestPath = join(dir, 'audit', 'manifest.json')
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
    manifest.removed.head = 'f'.repeat(64)
    writeFileSync(manifestPath, JSON.stringify(manifest))
    expect(openLog(dir, { segmentMaxEntries: 2 }).verify()).toMatchObject({
      ok: false,
      segment: 4,
      brokenAt: 7,
    })
  })

  it('removes exported segments early while more than the maximum are sealed', async () => {
    const dir = tempDir()
    const log = openLog(dir, {
      segmentMaxEntries: 1,
      now: () => 0,
      removal: { removeExportedAfterSeconds: 86_400, maxSealedSegments: 2 },
    })
    await fill(log, 1, 4)
    for (const n of [1, 2, 3, 4]) log.markExported(n, `/copy/${n}`)
    expect(log.removeByPolicy()).toEqual([1, 2])
    expect(log.verify()).toMatchObject({ ok: true, checked: 2 })
  })

  it('refuses to export the active segment or a removed one', async () => {
    const log = openLog(tempDir(), {
      segmentMaxEntries: 1,
      now: () => 0,
      removal: { removeExportedAfterSeconds: 0, maxSealedSegments: 0 },
    })
    await fill(log, 1, 2)
    log.markExported(1, '/copy/1')
    expect(log.removeByPolicy()).toEqual([1])
    expect(() => log.markExported(1, '/copy/1')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }))
    expect(() => log.sealedSegment(log.manifest.active.number)).toThrow(
      expect.objectContaining({ code: 'CONFLICT' }),
    )
    expect(() => log.sealedSegment(99)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }))
  })

  it('finishes a removal or a seal that a crash cut short when it starts again', async () => {
    const dir = tempDir()
    const options = {
      segmentMaxEntries: 1,
      now: () => 0,
      removal: { removeExportedAfterSeconds: 0, maxSealedSegments: 0 },
    }
    const log = openLog(dir, options)
    await fill(log, 1, 3)
    const kept = readFileSync(log.pathOf(1))
    log.markExported(1, '/copy/1')
    expect(log.removeByPolicy()).toEqual([1])
    log.stop()
    // The manifest recorded the removal, the file was not yet gone; segment 2's mode was not yet set.
    writeFileSync(log.pathOf(1), kept)
    chmodSync(log.pathOf(2), 0o644)
    const again = openLog(dir, options)
    expect(existsSync(again.pathOf(1))).toBe(false)
    expect(statSync(again.pathOf(2)).mode & 0o222).toBe(0)
    expect(again.verify()).toMatchObject({ ok: true, checked: 2, from: { afterSeq: 1, removedSegments: 1 } })
  })

  it('adopts the single-file log of an earlier version as segment 1 without rewriting it', async () => {
    const old = tempDir()
    const before = openLog(old)
    await fill(before, 1, 3)
    before.stop()
    // An earlier version kept the same table in <data-dir>/audit.db.
    const dir = tempDir()
    const legacy = join(dir, 'audit.db')
    renameSync(join(old, 'audit', segmentFile(1)), legacy)
    const { ino } = statSync(legacy)
    const log = openLog(dir, { segmentMaxEntries: 4 })
    expect(existsSync(legacy)).toBe(false)
    expect(statSync(log.pathOf(1)).ino).toBe(ino)
    expect(log.verify()).toMatchObject({ ok: true, checked: 3, segments: 1 })
    await fill(log, 4, 3)
    expect(log.manifest.sealed).toMatchObject([{ number: 1, firstSeq: 1, lastSeq: 4, anchor: GENESIS }])
    expect(log.verify()).toMatchObject({ ok: true, checked: 6, segments: 2 })
  })
})
