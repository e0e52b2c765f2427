import { randomUUID } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, extname, join } from 'node:path'

/**
 * Writes a file or a directory tree under a temporary name beside the target and
 * renames it into place, so that a failure never leaves a partial result behind.
 */
export async function writeAtomically(
  target: string,
  write: (tmp: string) => Promise<void>,
  options: { keepExtension?: boolean } = {},
): Promise<void> {
  // Tools that pick a format by the file name (ffmpeg) need the extension kept.
  const suffix = options.keepExtension ? extname(target) : ''
  const tmp = join(dirname(target), `.${randomUUID()}.partial${suffix}`)
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
