import { lstatSync, realpathSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import { McppError } from '../../shared/errors.ts'
import { shownRoots } from './root-hint.ts'

/** Linux PATH_MAX and NAME_MAX, in bytes: longer paths fail later with ENAMETOOLONG. */
export const MAX_PATH_BYTES = 4096
export const MAX_NAME_BYTES = 255
/**
 * Names in one path. A tree thousands of folders deep (`a/a/a/…` within 4096 bytes)
 * is legal on disk, but every recursive walk over it (the operator's `rm -r` included)
 * can overflow a stack; no data needs more than this.
 */
export const MAX_PATH_DEPTH = 64

/**
 * Resolves a path a tool was given against the allowed roots (the data directory's
 * `files/` folder first). Relative paths are taken from the first root; `..` is allowed
 * while the result stays inside. A path that leaves every root, directly or through a
 * symbolic link anywhere along it (a parent folder or the last name), is refused with
 * INVALID_PARAMS and nothing is touched; so are NUL bytes, over-long paths and names,
 * and links that lead nowhere (a write through one would create its target, wherever
 * that is).
 */
export function confinePath(path: string, roots: readonly string[], param = 'path'): string {
  const [first] = roots
  if (first === undefined) throw new McppError('INTERNAL', 'no file roots are configured')
  checkShape(path, param)
  const absolute = isAbsolute(path) ? resolve(path) : resolve(first, path)
  const real = realExisting(absolute, path, param)
  for (const [i, root] of roots.entries()) {
    const realRoot = realExisting(resolve(root), shownRoots(roots)[i] ?? 'root', 'root')
    const rel = relative(realRoot, real)
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return absolute
  }
  throw refused(path, param, 'path outside the file root', `is outside ${outside(roots)}`)
}

/** "the file root <data-dir>/files (relative paths are resolved against it)": no server path. */
function outside(roots: readonly string[]): string {
  const shown = shownRoots(roots)
  return shown.length === 1
    ? `the file root ${shown[0]} (relative paths are resolved against it)`
    : `the file roots ${shown.join(', ')} (relative paths are resolved against ${shown[0]})`
}

function refused(path: string, param: string, problem: string, says: string): McppError {
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path
  return new McppError('INVALID_PARAMS', `${param}: "${shown.replaceAll('\0', '\\0')}" ${says}`, {
    problems: [{ param, problem }],
  })
}

function checkShape(path: string, param: string): void {
  if (path.length === 0) throw refused(path, param, 'empty path', 'is empty')
  if (path.includes('\0')) throw refused(path, param, 'NUL byte in path', 'contains a NUL byte')
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
    throw refused(path, param, 'path too long', `is longer than ${MAX_PATH_BYTES} bytes`)
  }
  const names = path.split('/')
  if (names.filter((name) => name !== '' && name !== '.').length > MAX_PATH_DEPTH) {
    throw refused(path, param, 'path too deep', `has more than ${MAX_PATH_DEPTH} names`)
  }
  for (const name of names) {
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
      throw refused(path, param, 'name too long', `has a name longer than ${MAX_NAME_BYTES} bytes`)
    }
  }
}

/** Whether something (a link counts, even a dangling one) is at `path`. */
function present(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch {
    return false
  }
}

/**
 * The real path of the longest existing prefix, with the rest appended (for paths about
 * to be created). A link in that prefix that cannot be resolved (dangling, a loop) is refused.
 */
function realExisting(path: string, given: string, param: string): string {
  let existing = path
  const rest: string[] = []
  while (!present(existing)) {
    const parent = dirname(existing)
    if (parent === existing) break
    rest.unshift(existing.slice(parent.length + 1))
    existing = parent
  }
  let real: string
  try {
    real = realpathSync(existing)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    throw refused(
      given,
      param,
      'unresolvable symbolic link',
      `goes through a link that cannot be resolved (${code})`,
    )
  }
  return resolve(real, ...rest)
}
