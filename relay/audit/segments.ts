import { chmodSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { McppError } from '../../shared/errors.ts'
import { GENESIS } from './audit-entry.ts'
import {
  emptyManifest,
  type Manifest,
  readManifest,
  type SealedSegment,
  segmentFile,
  writeManifest,
} from './manifest.ts'
import { type RemovalPolicy, segmentsToRemove } from './removal-policy.ts'
import { finishSegment, SEALED_MODE } from './segment-file.ts'
import type { AuditLayout } from './segment-read.ts'

/**
 * The segment files of the audit log and their manifest (issue 16): adopting a log of an
 * earlier version, recording seals and exports, and removing exported segments by
 * policy. Entries are never rewritten: a segment is appended to, sealed, then at most
 * removed whole, and the manifest keeps the head the remaining chain starts from.
 */
export class AuditSegments {
  private current: Manifest = emptyManifest()
  readonly dir: string
  /** The single-file log of earlier versions (`<data-dir>/audit.db`), adopted as segment 1. */
  private readonly legacyFile: string | undefined

  constructor(dir: string, legacyFile: string | undefined) {
    this.dir = dir
    this.legacyFile = legacyFile
  }

  get manifest(): Readonly<Manifest> {
    return this.current
  }

  get activePath(): string {
    return this.pathOf(this.current.active.number)
  }

  pathOf(number: number): string {
    return join(this.dir, segmentFile(number))
  }

  /**
   * Reads the manifest (or starts one) and finishes what a crash may have cut short: a
   * legacy log not yet moved in, a removed segment whose file is still there, a seal
   * not finished (its WAL not folded in, its file not read-only).
   */
  open(): void {
    mkdirSync(this.dir, { recursive: true })
    const found = readManifest(this.dir)
    this.current = found ?? emptyManifest()
    if (found === undefined) writeManifest(this.dir, this.current)
    this.adoptLegacy()
    const removedThrough = this.current.removed?.throughSegment ?? 0
    for (let n = 1; n <= removedThrough; n++) rmSync(this.pathOf(n), { force: true })
    for (const s of this.current.sealed) {
      const path = this.pathOf(s.number)
      if (s.sealing !== true) {
        if (existsSync(path)) chmodSync(path, SEALED_MODE)
        continue
      }
      try {
        this.finishSeal(s.number, finishSegment(path))
      } catch {
        // Left marked: the log tries again while it runs, and reports what fails (audit-log.ts).
      }
    }
  }

  /**
   * An earlier version's `audit.db` becomes segment 1 as it is: renamed, not copied or
   * rewritten. Opening it once first folds a WAL left by a crash into the file.
   */
  private adoptLegacy(): void {
    const legacy = this.legacyFile
    const { active, sealed, removed } = this.current
    if (legacy === undefined || !existsSync(legacy)) return
    if (active.number !== 1 || sealed.length > 0 || removed !== null || existsSync(this.activePath)) return
    const db = new DatabaseSync(legacy)
    try {
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    } finally {
      db.close()
    }
    renameSync(legacy, this.activePath)
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(legacy + suffix)) renameSync(legacy + suffix, this.activePath + suffix)
    }
  }

  /**
   * Records the active segment as sealed at `lastSeq` and starts the next, anchored to
   * `head`: from now on entries go to the next segment. The file of the one sealed is
   * marked `sealing` until `finishSeal` (its WAL folded in, synced, read-only).
   */
  beginSeal(at: { lastSeq: number; head: string; sealedAt: number; bytes: number }): SealedSegment {
    const { active } = this.current
    const segment: SealedSegment = {
      number: active.number,
      firstSeq: active.firstSeq,
      lastSeq: at.lastSeq,
      entries: at.lastSeq - active.firstSeq + 1,
      anchor: active.anchor,
      head: at.head,
      bytes: at.bytes,
      sealedAt: at.sealedAt,
      exportedAt: null,
      exportedTo: null,
      sealing: true,
    }
    this.commit({
      ...this.current,
      active: { number: active.number + 1, anchor: at.head, firstSeq: at.lastSeq + 1 },
      sealed: [...this.current.sealed, segment],
    })
    return segment
  }

  /** The seal of segment `number` is on disk: its file is final, `bytes` long. */
  finishSeal(number: number, bytes: number): void {
    const sealed = this.current.sealed.map((s) => {
      if (s.number !== number) return s
      const { sealing: _, ...rest } = s
      return { ...rest, bytes }
    })
    this.commit({ ...this.current, sealed })
  }

  /** Sealed segments whose file is not final yet (a seal step failed; it is tried again). */
  get unfinished(): number[] {
    return this.current.sealed.filter((s) => s.sealing === true).map((s) => s.number)
  }

  /** The sealed segment `number`; a removed, active or unknown one is refused clearly. */
  sealedSegment(number: number): SealedSegment {
    const found = this.current.sealed.find((s) => s.number === number)
    if (found?.sealing === true)
      throw new McppError('CONFLICT', `audit segment ${number} is being sealed; try again shortly`, {
        segment: number,
      })
    if (found !== undefined) return found
    const { removed, active } = this.current
    if (removed !== null && number <= removed.throughSegment)
      throw new McppError('NOT_FOUND', `audit segment ${number} was removed by policy`, { segment: number })
    if (number === active.number)
      throw new McppError(
        'CONFLICT',
        `audit segment ${number} is the active one; it can be exported once sealed`,
        {
          segment: number,
        },
      )
    throw new McppError('NOT_FOUND', `there is no audit segment ${number}`, { segment: number })
  }

  markExported(number: number, to: string, at: number): SealedSegment {
    this.sealedSegment(number)
    const sealed = this.current.sealed.map((s) =>
      s.number === number ? { ...s, exportedAt: at, exportedTo: to } : s,
    )
    this.commit({ ...this.current, sealed })
    return this.sealedSegment(number)
  }

  /** Removes the exported segments policy lets go (manifest first, then the files); returns their numbers. */
  removeByPolicy(now: number, policy: RemovalPolicy): number[] {
    const { sealed, removed } = this.current
    const gone = sealed.slice(0, segmentsToRemove(sealed, now, policy))
    const last = gone.at(-1)
    if (last === undefined) return []
    this.commit({
      ...this.current,
      sealed: sealed.slice(gone.length),
      removed: {
        throughSegment: last.number,
        lastSeq: last.lastSeq,
        head: last.head,
        count: (removed?.count ?? 0) + gone.length,
        removedAt: now,
      },
    })
    for (const s of gone) rmSync(this.pathOf(s.number), { force: true })
    return gone.map((s) => s.number)
  }

  /** The segments on disk as plain data, for reads on a compute thread. */
  layout(): AuditLayout {
    const { active, sealed, removed } = this.current
    return {
      // The chain starts from genesis or from the head recorded when segments were
      // removed, never from what the first remaining segment claims.
      from: {
        anchor: removed?.head ?? GENESIS,
        afterSeq: removed?.lastSeq ?? 0,
        removedSegments: removed?.count ?? 0,
      },
      segments: [
        ...sealed.map((s) => ({
          number: s.number,
          path: this.pathOf(s.number),
          anchor: s.anchor,
          firstSeq: s.firstSeq,
          sealed: { lastSeq: s.lastSeq, entries: s.entries, head: s.head },
        })),
        {
          number: active.number,
          path: this.activePath,
          anchor: active.anchor,
          firstSeq: active.firstSeq,
          sealed: null,
        },
      ],
    }
  }

  private commit(next: Manifest): void {
    writeManifest(this.dir, next)
    this.current = next
  }
}
