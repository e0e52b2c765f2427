import { randomUUID } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, extname, join } from 'node:path'
import { McppError } from '../../shared/errors.ts'

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
    throw placeError(err)
  }
}

/** The rename's refusals are the caller's choice of path, not a fault of the relay (the fuzz suite found INTERNAL). */
function placeError(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException)?.code
  if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') {
    return new McppError('CONFLICT', 'the output path is an existing directory; name a file')
  }
  if (code === 'ENOTDIR')
    return new McppError('CONFLICT', 'a parent of the output path is a file, not a directory')
  return err
}

export function writeFileAtomically(target: string, bytes: Uint8Array): Promise<void> {
  return writeAtomically(target, (tmp) => writeFile(tmp, bytes))
}
