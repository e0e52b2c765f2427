import { randomUUID } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

/**
 * Writes a file or a directory tree under a temporary name beside the target and
 * renames it into place, so that a failure never leaves a partial result behind.
 */
export async function writeAtomically(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = join(dirname(target), `.${randomUUID()}.partial`)
  await mkdir(dirname(target), { recursive: true })
  try {
    await write(tmp)
    await rename(tmp, target)
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    throw err
  }
}

export function writeFileAtomically(target: string, bytes: Uint8Array): Promise<void> {
  return writeAtomically(target, (tmp) => writeFile(tmp, bytes))
}
