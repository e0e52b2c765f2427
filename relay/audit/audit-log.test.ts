import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import { GENESIS } from './audit-entry.ts'
import { AuditLog, type AuditLogOptions } from './audit-log.ts'
import { segmentFile } from './manifest.ts'
import { runSealStep } from './segment-file.ts'

const entry = (tool: string) => ({
  time: 1,
  tool,
  sessionId: null,
  identity: null,
  paramsDigest: 'd',
  outcome: 'ok',
  runtime: 'local',
  durationMs: 1,
})
const DAY = 86_400_000
const opened: AuditLog[] = []
afterEach(() => {
  for (const log of opened.splice(0)) log.stop()
})

function openLog(dir: string, options: Partial<AuditLogOptions> = {}): AuditLog {
  const log = new AuditLog({
    dir: join(dir, 'audit'),
    legacyFile: join(dir, 'audit.db'),
    segmentMaxBytes: 16 * 1024 ** 2,
    segmentMaxEntries: 0,
    removal: { removeExportedAfterSeconds: 3600, maxSealedSegments: 0 },
    ...options,
  })
  log.start()
  opened.push(log)
  return log
}

/**
 * Appends `count` entries named tool-0001…, each flushed on its own, as the relay's
 * timer would, and waits for the seal a flush may start.
 */
async function fill(log: AuditLog, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    log.append(entry(`tool-${String(i).padStart(4, '0')}`))
    log.flush()
    await log.sealed()
  }
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'mcpp-audit-'))

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

  it('keeps appending to the active segment when a seal fails, and seals it later', async () => {
    const dir = tempDir()
    let now = 0
    const errors: string[] = []
    const log = openLog(dir, {
      segmentMaxEntries: 2,
      now: () => now,
      onError: (err, retrying) => errors.push(`${retrying}: ${err.message}`),
    })
    // A directory where the manifest's temporary file goes: its write fails, as on a full disk.
    const blocker = join(dir, 'audit', 'manifest.json.partial')
    mkdirSync(blocker)
    await fill(log, 1, 3)
    expect(errors[0]).toMatch(/^true: sealing an audit segment failed/)
    expect(log.manifest.sealed).toEqual([])
    expect(log.verify()).toMatchObject({ ok: true, checked: 3, segments: 1 })
    rmSync(blocker, { recursive: true })
    await fill(log, 4, 1)
    // Not retried on every write: only once the retry delay has passed.
    expect(log.manifest.sealed).toEqual([])
    now = 1_000
    await fill(log, 5, 1)
    expect(log.manifest.sealed).toMatchObject([{ number: 1, firstSeq: 1, lastSeq: 5 }])
    expect(log.verify()).toMatchObject({ ok: true, checked: 5, segments: 2 })
  })

  it('waits for a checkpoint of the active file to end before it switches segments', async () => {
    const dir = tempDir()
    let end: () => void = () => {}
    let checkpoint: Promise<void> | undefined = new Promise<void>((resolve) => {
      end = () => {
        checkpoint = undefined
        resolve()
      }
    })
    let asked: () => void = () => {}
    const waiting = new Promise<void>((resolve) => {
      asked = resolve
    })
    const log = openLog(dir, {
      segmentMaxEntries: 2,
      walCheckpoint: (path) => {
        if (path !== log.activePath || checkpoint === undefined) return undefined
        asked()
        return checkpoint
      },
    })
    for (let i = 1; i <= 3; i++) {
      log.append(entry(`tool-${i}`))
      log.flush()
    }
    // The seal has prepared segment 2 and waits on the checkpoint: entries still go to segment 1.
    const sealing = log.sealed()
    await waiting
    log.append(entry('tool-4'))
    log.flush()
    expect(log.manifest.sealed).toEqual([])
    expect(log.walFile()?.path).toBe(join(dir, 'audit', segmentFile(1)))
    end()
    await sealing
    expect(log.manifest.sealed).toMatchObject([{ number: 1, firstSeq: 1, lastSeq: 4 }])
    expect(log.walFile()?.path).toBe(join(dir, 'audit', segmentFile(2)))
    await fill(log, 5, 1)
    expect(log.verify()).toMatchObject({ ok: true, checked: 5, segments: 2 })
  })

  it("hands a seal's disk work to `sealStep` and only switches files itself", async () => {
    const dir = tempDir()
    const steps: string[] = []
    const log = openLog(dir, {
      segmentMaxEntries: 2,
      sealStep: async (step, path) => {
        steps.push(`${step} ${path.slice(-9)}`)
        return runSealStep(step, path)
      },
    })
    await fill(log, 1, 2)
    expect(steps).toEqual(['prepare 000002.db', 'fold 000001.db', 'finish 000001.db'])
    const [sealed] = log.manifest.sealed
    expect(sealed).toEqual(expect.not.objectContaining({ sealing: true }))
    expect(sealed?.bytes).toBe(statSync(log.pathOf(1)).size)
    expect(statSync(log.pathOf(1)).mode & 0o222).toBe(0)
    expect(existsSync(`${log.pathOf(1)}-wal`)).toBe(false)
    // The sealed file is one self-contained database in rollback-journal mode.
    const db = new DatabaseSync(log.pathOf(1), { readOnly: true })
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'delete' })
    db.close()
    await fill(log, 3, 1)
    expect(log.verify()).toMatchObject({ ok: true, checked: 3, segments: 2 })
  })

  it('finishes a seal whose last step failed later, or at the next start, and refuses its export meanwhile', async () => {
    const dir = tempDir()
    let now = 0
    let failFinish = true
    const errors: string[] = []
    const options: Partial<AuditLogOptions> = {
      segmentMaxEntries: 2,
      now: () => now,
      onError: (err) => errors.push(err.message),
      sealStep: async (step, path) => {
        if (step === 'finish' && failFinish) throw new Error('no space left on device')
        return runSealStep(step, path)
      },
    }
    const log = openLog(dir, options)
    await fill(log, 1, 3)
    expect(errors).toEqual(['sealing an audit segment failed: no space left on device'])
    // Entries went on to the next segment; the sealed one is recorded but not final.
    expect(log.manifest.sealed).toMatchObject([{ number: 1, lastSeq: 2, sealing: true }])
    expect(log.manifest.active).toMatchObject({ number: 2, firstSeq: 3 })
    expect(() => log.sealedSegment(1)).toThrow(expect.objectContaining({ code: 'CONFLICT' }))
    // Tried again once the retry delay has passed.
    failFinish = false
    now = 1_000
    await fill(log, 4, 1)
    // Segment 1 finished first, then segment 2 (full at entry 4) sealed as usual.
    expect(log.manifest.sealed.map((s) => [s.number, s.sealing])).toEqual([
      [1, undefined],
      [2, undefined],
    ])
    expect(log.sealedSegment(1).bytes).toBe(statSync(log.pathOf(1)).size)
    // Cut short again, and the relay stops: the next start finishes it before anything else.
    failFinish = true
    await fill(log, 5, 2)
    expect(log.manifest.sealed[2]).toMatchObject({ number: 3, sealing: true })
    log.stop()
    expect(statSync(log.pathOf(3)).mode & 0o222).not.toBe(0)
    const { sealStep: _, ...withoutStep } = options
    const again = openLog(dir, withoutStep)
    expect(again.manifest.sealed[2]).toEqual(expect.not.objectContaining({ sealing: true }))
    expect(statSync(again.pathOf(3)).mode & 0o222).toBe(0)
    expect(again.verify()).toMatchObject({ ok: true, checked: 6, segments: 4 })
    // A segment left `sealing` whose file is gone: nothing to finish; the log starts, verify names it.
    await fill(again, 7, 2)
    again.stop()
    const manifestPath = join(dir, 'audit', 'manifest.json')
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
    manifest.sealed[3].sealing = true
    writeFileSync(manifestPath, JSON.stringify(manifest))
    rmSync(again.pathOf(4))
    const third = openLog(dir, options)
    expect(third.manifest.sealed[3]).toMatchObject({ number: 4, bytes: 0 })
    expect(third.manifest.sealed[3]).toEqual(expect.not.objectContaining({ sealing: true }))
    expect(third.verify()).toMatchObject({ ok: false, segment: 4, problem: expect.stringMatching(/missing/) })
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
