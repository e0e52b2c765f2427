import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { LifecyclePart } from '../shared/startable.ts'

export const LOCK_FILE = 'relay.lock'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * One relay per data directory: its queue, audit chain and peer identity must have a
 * single writer. The lock file holds the owner's pid; a lock left by a process that no
 * longer runs (a crash, kill -9) is taken over.
 *
 * Not `proper-lockfile`, the library the field uses for this: it tells a stale lock by
 * its mtime, refreshed on a timer, so a relay restarted right after kill -9 would be
 * refused until the lock is `stale` (at least 2 s, 10 s by default), and the crash
 * tests (tests/relay-crash.test.ts, tests/task-store-crash.test.ts) restart at once.
 * The lock guards one host's data directory, where a pid check is exact; a reused pid
 * can only refuse a start, and the error names the pid.
 */
function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => rmSync(path, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const owner = Number(readFileSync(path, 'utf8').trim())
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw new Error(
          `${dataDir} is in use by another relay (pid ${owner}); give each relay its own --data-dir`,
        )
      }
      rmSync(path, { force: true })
    }
  }
  throw new Error(`cannot lock ${dataDir}`)
}

/**
 * The data-directory lock as a lifecycle part. It is taken when the part is built, not
 * in `start()`: the composition root builds stores that open files in the directory
 * (the task store opens and recovers the queue in its constructor), and none of that
 * may happen while another relay owns it. `stop()` releases it, once.
 */
export class DataDirLock implements LifecyclePart {
  readonly name = 'data-dir-lock'
  private release: (() => void) | undefined

  constructor(dataDir: string) {
    this.release = lockDataDir(dataDir)
  }

  start(): void {}

  stop(): void {
    this.release?.()
    this.release = undefined
  }
}
