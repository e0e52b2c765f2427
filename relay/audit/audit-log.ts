import { statSync } from 'node:fs'
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { McppError } from '../../shared/errors.ts'
import type { LifecyclePart } from '../../shared/startable.ts'
import { type AuditEntry, type AuditFilter, type AuditInput, entryHash } from './audit-entry.ts'
import type { Manifest, SealedSegment } from './manifest.ts'
import type { RemovalPolicy } from './removal-policy.ts'
import { openSegment, type SealStep } from './segment-file.ts'
import { type AuditLayout, queryLayout, type VerifyResult, verifyLayout } from './segment-read.ts'
import { type SealedLog, SegmentSealer } from './segment-sealer.ts'
import { AuditSegments } from './segments.ts'

export { type AuditEntry, type AuditFilter, type AuditInput, entryHash } from './audit-entry.ts'

/**
 * Entries are written in groups, at most this long after they were appended: a
 * commit per call would cost more than the call. A crash loses at most this window,
 * and the chain on disk stays valid (it is cut, never broken).
 */
const FLUSH_INTERVAL_MS = 20
const FLUSH_MAX_ENTRIES = 512
/** How often exported segments are checked against the removal policy. */
const REMOVAL_CHECK_MS = 60_000

export interface AuditLogOptions {
  /** The folder of segments and their manifest (`<data-dir>/audit`). */
  dir: string
  /** An earlier version's single-file log (`<data-dir>/audit.db`), adopted as segment 1. */
  legacyFile?: string | undefined
  /** The active segment is sealed once its database reaches this size. */
  segmentMaxBytes: number
  /** ... or holds this many entries; 0: no entry limit. */
  segmentMaxEntries: number
  removal: RemovalPolicy
  now?: () => number
  onError?: (err: Error, retrying: boolean) => void
  /** The checkpoint of a file running now on a compute thread, if any: the active segment is not switched under it. */
  walCheckpoint?: (path: string) => Promise<void> | undefined
  /**
   * Runs a seal's disk work (segment-file.ts) and answers the file's size: the relay
   * runs it on a compute thread. Without it the steps run here, between turns of the
   * event loop (tests, the bench's baseline).
   */
  sealStep?: (step: SealStep, path: string) => Promise<number>
}

/**
 * The append-only, hash-chained record of every tool call: SQLite segments under
 * `<data-dir>/audit/` (issue 16). Entries are chained as they are appended and written
 * in groups (see FLUSH_INTERVAL_MS), so auditing costs a tool call an object and two
 * hashes, not a disk write. A full segment is sealed (synced, read-only, recorded in
 * the manifest) and the next one is anchored to its head; exported segments are
 * removed by policy (segments.ts).
 */
export class AuditLog implements LifecyclePart {
  readonly name = 'audit-log'
  private db: DatabaseSync | undefined
  private insert: StatementSync | undefined
  private pending: AuditEntry[] = []
  private scheduled = false
  private lastHash = ''
  private lastSeq = 0
  /** Reads in flight on other threads: sealing and removal wait for them. */
  private readers = 0
  private removalTimer: NodeJS.Timeout | undefined
  private readonly sealer: SegmentSealer
  /** Between start() and stop(): entries are taken (and the file reopened if a seal could not). */
  private started = false
  private readonly segments: AuditSegments
  private readonly now: () => number
  private readonly onError: (err: Error, retrying: boolean) => void
  private readonly options: AuditLogOptions

  /** Opens nothing: `start()` opens the segments and reads where the chain ends. */
  constructor(options: AuditLogOptions) {
    this.options = options
    this.segments = new AuditSegments(options.dir, options.legacyFile)
    this.now = options.now ?? Date.now
    this.onError = options.onError ?? (() => {})
    const log: SealedLog = {
      activeDb: () => this.db,
      started: () => this.started,
      readers: () => this.readers,
      head: () => ({ lastSeq: this.lastSeq, lastHash: this.lastHash }),
      flush: () => this.flush(),
      detachActive: () => {
        const db = this.db as DatabaseSync
        this.db = undefined
        return db
      },
      openActive: () => void this.openActive(),
    }
    this.sealer = new SegmentSealer(log, this.segments, {
      segmentMaxBytes: options.segmentMaxBytes,
      segmentMaxEntries: options.segmentMaxEntries,
      now: this.now,
      onError: this.onError,
      walCheckpoint: options.walCheckpoint,
      sealStep: options.sealStep,
    })
  }

  start(): void {
    if (this.started) return
    this.segments.open()
    this.readHead(this.openActive())
    this.started = true
    this.sealer.sealIfFull()
    this.removeByPolicy()
    this.removalTimer = setInterval(() => this.removeByPolicyInBackground(), REMOVAL_CHECK_MS).unref()
  }

  /**
   * Writes what is pending and closes the file; safe to call again. A seal in flight
   * stops at its next step; the next start finishes it (segments.ts).
   */
  stop(): void {
    clearInterval(this.removalTimer)
    this.removalTimer = undefined
    this.sealer.stop()
    if (!this.started) return
    try {
      this.flush()
    } finally {
      this.started = false
      this.closeActive()
    }
  }

  /** Resolves once no seal is in flight (tests; reads wait for it themselves). */
  sealed(): Promise<void> {
    return this.sealer.sealed()
  }

  /** Opens the active segment for appending; the chain's head is where it was (a seal does not move it). */
  private openActive(): DatabaseSync {
    const db = openSegment(this.segments.activePath)
    this.insert =
      db.prepare(`INSERT INTO audit (seq, time, tool, session_id, identity, params_digest, outcome,
      runtime, duration_ms, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    this.db = db
    return db
  }

  /** Where the chain ends: the active segment's last entry, or its anchor while it is empty. */
  private readHead(db: DatabaseSync): void {
    const last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as
      | { seq: number; hash: string }
      | undefined
    const { active } = this.segments.manifest
    this.lastSeq = last?.seq ?? active.firstSeq - 1
    this.lastHash = last?.hash ?? active.anchor
  }

  private closeActive(): void {
    this.db?.close()
    this.db = undefined
    this.insert = undefined
  }

  /**
   * Chains an entry and schedules its write. While the log is not open (before start,
   * after stop: a call cut at shutdown that settles late) nothing can be written, and
   * the loss is reported, never silent.
   */
  append(input: AuditInput): AuditEntry | undefined {
    if (!this.started) {
      this.onError(new Error(`the audit log is closed; the entry for ${input.tool} was not written`), false)
      return undefined
    }
    const base = { seq: this.lastSeq + 1, ...input }
    const entry: AuditEntry = { ...base, prevHash: this.lastHash, hash: entryHash(this.lastHash, base) }
    this.lastSeq = entry.seq
    this.lastHash = entry.hash
    this.pending.push(entry)
    if (this.pending.length >= FLUSH_MAX_ENTRIES) this.flush()
    else if (!this.scheduled) {
      this.scheduled = true
      setTimeout(() => this.flushInBackground(), FLUSH_INTERVAL_MS).unref()
    }
    return entry
  }

  /** A failed background write keeps the entries for the next attempt instead of crashing. */
  private flushInBackground(): void {
    try {
      this.flush()
    } catch (err) {
      this.onError(err as Error, true)
      if (!this.scheduled) {
        this.scheduled = true
        setTimeout(() => this.flushInBackground(), FLUSH_INTERVAL_MS * 50).unref()
      }
    }
  }

  /** Writes appended entries now (also done automatically within FLUSH_INTERVAL_MS), then seals a full segment. */
  flush(): void {
    this.scheduled = false
    if (this.pending.length === 0) return
    const db = this.open()
    const insert = this.insert as StatementSync
    const batch = this.pending
    db.exec('BEGIN IMMEDIATE')
    try {
      for (const e of batch) {
        insert.run(
          e.seq,
          e.time,
          e.tool,
          e.sessionId,
          e.identity,
          e.paramsDigest,
          e.outcome,
          e.runtime,
          e.durationMs,
          e.prevHash,
          e.hash,
        )
      }
      db.exec('COMMIT')
      this.pending = this.pending.slice(batch.length)
    } catch (err) {
      // Already rolled back by SQLite after SQLITE_FULL: keep the error that says the disk is full.
      if (db.isTransaction) db.exec('ROLLBACK')
      throw err
    }
    this.sealer.sealIfFull()
  }

  /**
   * Runs a read of the segments on disk (on a compute thread): pending entries are
   * written first, and no segment is sealed or removed under the read.
   */
  async read<T>(fn: (layout: AuditLayout) => Promise<T>): Promise<T> {
    await this.sealed()
    this.flush()
    // The write may have filled the segment: the read sees it sealed.
    await this.sealed()
    this.readers++
    try {
      return await fn(this.segments.layout())
    } finally {
      this.readers--
    }
  }

  /** The active segment's file and connection while open, for the checkpointer (relay/store/checkpointer.ts). */
  walFile(): { path: string; db: DatabaseSync } | undefined {
    return this.db && { path: this.segments.activePath, db: this.db }
  }

  /** The active segment's file (tests tamper with it). */
  get activePath(): string {
    return this.segments.activePath
  }

  /** The segments as the manifest records them. */
  get manifest(): Readonly<Manifest> {
    return this.segments.manifest
  }

  /** Segments and bytes on disk, for /metrics (the active segment's WAL included). */
  diskUsage(): { sealed: number; sealedBytes: number; activeBytes: number } {
    const { sealed } = this.segments.manifest
    const active = this.segments.activePath
    const size = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0
    return {
      sealed: sealed.length,
      sealedBytes: sealed.reduce((sum, s) => sum + s.bytes, 0),
      activeBytes: size(active) + size(`${active}-wal`),
    }
  }

  pathOf(segment: number): string {
    return this.segments.pathOf(segment)
  }

  /** The sealed segment `number` (NOT_FOUND when removed or unknown, CONFLICT when active). */
  sealedSegment(number: number): SealedSegment {
    return this.segments.sealedSegment(number)
  }

  /** Records that a sealed segment was copied out; the removal policy may let it go from now on. */
  markExported(number: number, to: string): SealedSegment {
    return this.segments.markExported(number, to, this.now())
  }

  /** Removes exported segments the policy lets go, unless a read is in flight (then the next check does). */
  removeByPolicy(): number[] {
    if (this.readers > 0) return []
    return this.segments.removeByPolicy(this.now(), this.options.removal)
  }

  private removeByPolicyInBackground(): void {
    try {
      this.removeByPolicy()
    } catch (err) {
      this.onError(new Error(`removing exported audit segments failed: ${(err as Error).message}`), true)
    }
  }

  /** Main-thread reads, for tests and small logs; the tools read on a compute thread. */
  query(filter: AuditFilter): { entries: AuditEntry[]; total: number } {
    this.flush()
    return queryLayout(this.segments.layout(), filter)
  }

  verify(): VerifyResult {
    this.flush()
    return verifyLayout(this.segments.layout())
  }

  private open(): DatabaseSync {
    if (!this.started) throw new McppError('UNAVAILABLE', 'the audit log is not open')
    // A seal switched segments but could not open the next one: try again now.
    return this.db ?? this.openActive()
  }
}
