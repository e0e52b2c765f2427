import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * One temporary folder for the whole run, removed at its end. Tests and the relays,
 * workers and browsers they start make their data directories with `os.tmpdir()`; many
 * leave them behind (a relay killed with -9 on purpose, a failed test), and a day of
 * runs had left 13 GB in /tmp. Test workers and child processes inherit TMPDIR, so
 * everything lands here, whatever each test cleans up itself.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'mcpp-tests-'))
  for (const name of ['TMPDIR', 'TMP', 'TEMP']) process.env[name] = dir
  return () => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
    } catch (err) {
      // A mount left behind (tests/tmpfs.ts unmounts lazily) keeps its folder: say so, fail nothing.
      console.warn(`tests: could not remove ${dir}: ${(err as Error).message}`)
    }
  }
}
