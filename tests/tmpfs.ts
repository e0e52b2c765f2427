import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mountPrograms } from './requirements.ts'

/**
 * A small real filesystem that fills (issue 16): a tmpfs of a fixed size, mounted on a
 * fresh folder. Needs root on Linux; suites that use it carry the tag `tmpfs`, which
 * skips them elsewhere (requirements.ts).
 */
export interface Tmpfs {
  dir: string
  /** Lazily (a process still holding a file there must not leave the mount behind), then removes the folder. */
  unmount(): void
}

export function mountTmpfs(bytes: number): Tmpfs {
  const programs = mountPrograms()
  if (programs === undefined) throw new Error('mount and umount are not in /usr/bin or /bin')
  const dir = mkdtempSync(join(tmpdir(), 'mcpp-tmpfs-'))
  try {
    execFileSync(programs.mount, ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir])
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  return {
    dir,
    unmount() {
      execFileSync(programs.umount, ['-l', dir])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Fills the filesystem with one file, to the last page: writes shrink until even 4 KiB is refused. */
export function fillWithBallast(path: string): void {
  const fd = openSync(path, 'w')
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096]) {
      const chunk = Buffer.alloc(size, 1)
      for (;;) {
        try {
          writeSync(fd, chunk)
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break
          throw err
        }
      }
    }
  } finally {
    closeSync(fd)
  }
}
