import { statSync } from 'node:fs'
import type { DatabaseSync } from 'node:sqlite'
import { runSealStep, type SealStep } from './segment-file.ts'
import type { AuditSegments } from './segments.ts'

/** A seal that failed (disk full, say) is not tried again on every write, only after this. */
const SEAL_RETRY_MS = 1_000

/** What a seal needs of the log it seals (audit-log.ts): its active file, head and writer. */
export interface SealedLog {
  /** The active segment's connection, when open. */
  activeDb(): DatabaseSync | undefined
  /** Between the log's start() and stop(). */
  started(): boolean
  /** Reads in flight on other threads: no seal starts under them. */
  readers(): number
  /** The chain's head: the last entry appended. */
  head(): { lastSeq: number; lastHash: string }
  /** Writes what is pending to the active segment. */
  flush(): void
  /** Stops writing to the active connection and hands it over. */
  detachActive(): DatabaseSync
  /** Opens the (new) active segment for appending. */
  openActive(): void
}

export interface SealerOptions {
  /** The active segment is sealed once its database reaches this size ... */
  segmentMaxBytes: number
  /** ... or holds this many entries; 0: no entry limit. */
  segmentMaxEntries: number
  now: () => number
  onError: (err: Error, retrying: boolean) => void
  /** The checkpoint of a file running now on a compute thread, if any: the active segment is not switched under it. */
  walCheckpoint?: ((path: string) => Promise<void> | undefined) | undefined
  /** Runs a seal's disk work (segment-file.ts) and answers the file's size; here, between turns, without it. */
  sealStep?: ((step: SealStep, path: string) => Promise<number>) | undefined
}

/**
 * Seals the audit log's active segment once it is full, with the disk work off the
 * event loop (issue 9's 50 ms: folding 16 MiB of WAL and syncing held the loop for
 * 50–60 ms). One seal at a time; a failed step is tried again SEAL_RETRY_MS later
 * without holding back the next seal; a seal cut short by a stop is finished at the
 * next start (the manifest says `sealing`, segments.ts).
 */
export class SegmentSealer {
  private readonly log: SealedLog
  private readonly segments: AuditSegments
  private readonly options: SealerOptions
  private retryAt = 0
  /** The seal in flight: reads wait for it. */
  private sealing: Promise<void> | undefined
  /** The connection of the segment being sealed, until its WAL is folded in. */
  private sealingDb: DatabaseSync | undefined

  constructor(log: SealedLog, segments: AuditSegments, options: SealerOptions) {
    this.log = log
    this.segments = segments
    this.options = options
  }

  /** Resolves once no seal is in flight. */
  async sealed(): Promise<void> {
    while (this.sealing !== undefined) await this.sealing
  }

  /** A seal in flight stops at its next step (the next start finishes it). */
  stop(): void {
    this.sealingDb?.close()
    this.sealingDb = undefined
  }

  /**
   * Starts sealing the active segment once it reaches a limit, or finishing a seal a
   * failed step left. The entries stay in the active segment until it switches.
   */
  sealIfFull(): void {
    const db = this.log.activeDb()
    if (db === undefined || this.sealing !== undefined || this.log.readers() > 0) return
    if (this.options.now() < this.retryAt) return
    if (!this.full(db) && this.segments.unfinished.length === 0) return
    this.sealing = this.seal().finally(() => {
      this.sealing = undefined
    })
  }

  private full(db: DatabaseSync): boolean {
    const entries = this.log.head().lastSeq - this.segments.manifest.active.firstSeq + 1
    if (entries <= 0) return false
    const { segmentMaxBytes, segmentMaxEntries } = this.options
    if (segmentMaxEntries > 0 && entries >= segmentMaxEntries) return true
    const { page_count, page_size } = db
      .prepare('SELECT * FROM pragma_page_count, pragma_page_size')
      .get() as { page_count: number; page_size: number }
    return page_count * page_size >= segmentMaxBytes
  }

  private checkpointOfActive(): Promise<void> | undefined {
    return this.options.walCheckpoint?.(this.segments.activePath)
  }

  /**
   * The next segment is created on a thread; then, on the loop, what is pending is
   * written, the manifest records the seal and the next segment becomes the active
   * one, so the sealed segment ends exactly at the chain's head. Its WAL is folded in
   * on a thread while this side's connection is still open (so its close has nothing
   * to copy), then the file is finished there: rollback journal, fsync, read-only.
   */
  private async seal(): Promise<void> {
    const step = this.options.sealStep ?? (async (s: SealStep, path: string) => runSealStep(s, path))
    await this.finishUnfinished(step)
    try {
      const { active } = this.segments.manifest
      const db = this.log.activeDb()
      if (db === undefined || !this.full(db)) return
      await step('prepare', this.segments.pathOf(active.number + 1))
      // A checkpoint of the file may be running: wait for it, and for one started meanwhile.
      for (let c = this.checkpointOfActive(); c !== undefined; c = this.checkpointOfActive()) await c
      // Back on the loop: the log may have stopped meanwhile.
      if (this.log.activeDb() === undefined || this.log.readers() > 0) return
      this.log.flush()
      const path = this.segments.activePath
      const { lastSeq, lastHash } = this.log.head()
      this.segments.beginSeal({
        lastSeq,
        head: lastHash,
        sealedAt: this.options.now(),
        bytes: statSync(path).size,
      })
      this.sealingDb = this.log.detachActive()
      try {
        this.log.openActive()
        await step('fold', path)
      } finally {
        // After a failed fold this close copies the WAL here, on the loop: rare, and the file is kept whole.
        this.sealingDb?.close()
        this.sealingDb = undefined
      }
      const bytes = await step('finish', path)
      // Stopped meanwhile: the next start finishes the seal from the manifest.
      if (this.log.started()) this.segments.finishSeal(active.number, bytes)
    } catch (err) {
      this.failed(`sealing an audit segment failed: ${(err as Error).message}`)
    }
  }

  /** Seals whose last step failed earlier: each is tried again, and does not hold back the next seal. */
  private async finishUnfinished(step: NonNullable<SealerOptions['sealStep']>): Promise<void> {
    for (const number of this.segments.unfinished) {
      try {
        const bytes = await step('finish', this.segments.pathOf(number))
        if (this.log.started()) this.segments.finishSeal(number, bytes)
      } catch (err) {
        this.failed(`finishing the seal of audit segment ${number} failed: ${(err as Error).message}`)
      }
    }
  }

  private failed(message: string): void {
    this.retryAt = this.options.now() + SEAL_RETRY_MS
    // After stop() a step may fail on the closed file or the stopped thread: the next start finishes it.
    if (this.log.started()) this.options.onError(new Error(message), true)
  }
}
