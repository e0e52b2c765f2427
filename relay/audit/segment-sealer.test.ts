import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import type { AuditLogOptions } from './audit-log.ts'
import { entry, fill, openLog, stopOpened, tempDir } from './audit-log-fixtures.ts'
import { segmentFile } from './manifest.ts'
import { runSealStep } from './segment-file.ts'

/** Seals through the log (segment-sealer.ts): failures, retries, checkpoints and the steps' order. */
afterEach(stopOpened)

describe('SegmentSealer', () => {
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
})
