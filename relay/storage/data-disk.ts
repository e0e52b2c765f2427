import { statfs } from 'node:fs/promises'
import type { DiskSpace } from '../../shared/readiness.ts'
import type { LifecyclePart } from '../../shared/startable.ts'

/** A reading younger than this is answered as it is; an older one is refreshed in the background. */
const FRESH_MS = 1_000

export interface DiskReading {
  /** Bytes an unprivileged writer may still use (`bavail`: root's reserve is not counted). */
  freeBytes: number
  sizeBytes: number
}

/**
 * Free space on the filesystem that holds the data directory (`fs.statfs`, one system
 * call). `/readyz` is answered without waiting, so it reads the last reading and, when
 * that is older than FRESH_MS, starts a new one: an answer is at most one probe behind.
 * There is no timer; a relay nobody asks does not wake up. `start()` takes the first
 * reading, so a running relay always has one.
 */
export class DataDisk implements LifecyclePart {
  readonly name = 'data-disk'
  private readonly dir: string
  private readonly now: () => number
  private last: { at: number; reading: DiskReading | undefined; error?: string } | undefined
  private inFlight: Promise<DiskReading | undefined> | undefined

  constructor(dir: string, now: () => number = Date.now) {
    this.dir = dir
    this.now = now
  }

  async start(): Promise<void> {
    await this.refresh()
  }

  stop(): void {}

  /** A new reading (one at a time: callers during a reading share it); undefined when statfs fails. */
  refresh(): Promise<DiskReading | undefined> {
    this.inFlight ??= statfs(this.dir)
      .then(
        (stats) => {
          const reading = { freeBytes: stats.bavail * stats.bsize, sizeBytes: stats.blocks * stats.bsize }
          this.last = { at: this.now(), reading }
          return reading
        },
        (err: unknown) => {
          this.last = { at: this.now(), reading: undefined, error: (err as Error).message }
          return undefined
        },
      )
      .finally(() => {
        this.inFlight = undefined
      })
    return this.inFlight
  }

  /** The last reading against `minFreeBytes`, for readiness; refreshes it in the background when stale. */
  space(minFreeBytes: number): DiskSpace {
    const last = this.last
    if (last === undefined || this.now() - last.at > FRESH_MS) void this.refresh()
    return {
      freeBytes: last?.reading?.freeBytes,
      minFreeBytes,
      ...(last?.error === undefined ? {} : { unknownReason: last.error }),
    }
  }
}
