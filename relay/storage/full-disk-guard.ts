import type { Logger } from '../log.ts'
import { isStorageFull } from './storage-full.ts'

/** One warning per step at most this often: a queue round can run many times a second. */
const WARN_EVERY_MS = 10_000

/**
 * Background steps that write (a queue round, a timer's sweep, a worker's message) run
 * outside any call, so a full disk there has no caller to answer: uncaught, it would
 * end the relay (process-guard.ts). This guard lets such a step fail alone on a full
 * disk, and says so (issue 16). Its writes were transactions, rolled back whole; the
 * step runs again at the next round or tick, and succeeds once space returns. A
 * worker's result that could not be recorded is not lost either: its lease runs out
 * and the task runs again. Any other error passes through, as before.
 */
export class FullDiskGuard {
  private readonly log: Logger
  private readonly now: () => number
  private readonly warned = new Map<string, { at: number; skipped: number }>()

  constructor(log: Logger, now: () => number = Date.now) {
    this.log = log
    this.now = now
  }

  /** Runs `step`; on a full disk, skips it with a warning (one per `what` every WARN_EVERY_MS). */
  run(what: string, step: () => void): void {
    try {
      step()
    } catch (err) {
      if (!isStorageFull(err)) throw err
      this.skipped(what, err as Error)
    }
  }

  private skipped(what: string, err: Error): void {
    const last = this.warned.get(what)
    const now = this.now()
    if (last !== undefined && now - last.at < WARN_EVERY_MS) {
      last.skipped++
      return
    }
    this.warned.set(what, { at: now, skipped: 0 })
    this.log.warn(`${what} skipped: the data disk is full; it is tried again`, {
      error: err.message,
      ...(last === undefined ? {} : { skippedSinceLastWarning: last.skipped }),
    })
  }
}
