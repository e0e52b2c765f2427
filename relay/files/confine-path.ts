import { existsSync, realpathSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import { McppError } from '../../shared/errors.ts'

/**
 * Resolves a path a tool was given against the allowed roots (the data directory's
 * `files/` folder first). Relative paths are taken from the first root. A path that
 * leaves every root, directly or through a symbolic link, is refused with
 * PATH_OUTSIDE_ROOTS and nothing is touched.
 */
export function confinePath(path: string, roots: readonly string[], param = 'path'): string {
  const [first] = roots
  if (first === undefined) throw new McppError('INTERNAL', 'no file roots are configured')
  const absolute = isAbsolute(path) ? resolve(path) : resolve(first, path)
  const real = realExisting(absolute)
  for (const root of roots) {
    const realRoot = realExisting(resolve(root))
    const rel = relative(realRoot, real)
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return absolute
  }
  throw new McppError('INVALID_PARAMS', `${param}: "${path}" is outside the allowed roots`, {
    problems: [{ param, problem: 'path outside the allowed roots' }],
  })
}

/** The real path of the longest existing prefix, with the rest appended (for paths about to be created). */
function realExisting(path: string): string {
  let existing = path
  const rest: string[] = []
  while (!existsSync(existing)) {
    const parent = dirname(existing)
    if (parent === existing) break
    rest.unshift(existing.slice(parent.length + 1))
    existing = parent
  }
  return resolve(realpathSync(existing), ...rest)
}
