import { type Stats, statSync } from 'node:fs'
import { McppError } from '../../shared/errors.ts'
import { confinePath } from './confine-path.ts'
import { rootNameHint, shownRoots, underRoots } from './root-hint.ts'

type Kind = 'a file' | 'a folder' | 'a file or a folder'

/** A confined path that must be an existing regular file; NOT_FOUND names the root. */
export function existingFile(path: string, roots: readonly string[], param = 'path'): string {
  return existing(path, roots, param, 'a file', (s) => s.isFile()).absolute
}

/** A confined path that must be an existing folder; NOT_FOUND names the root. */
export function existingFolder(path: string, roots: readonly string[], param = 'dir'): string {
  return existing(path, roots, param, 'a folder', (s) => s.isDirectory()).absolute
}

/** A confined path to something that exists (the caller checks what), with its stats. */
export function existingEntry(
  path: string,
  roots: readonly string[],
  param = 'path',
): { absolute: string; stats: Stats } {
  return existing(path, roots, param, 'a file or a folder', () => true)
}

function existing(
  path: string,
  roots: readonly string[],
  param: string,
  kind: Kind,
  fits: (stats: Stats) => boolean,
): { absolute: string; stats: Stats } {
  const absolute = confinePath(path, roots, param)
  const stats = statSync(absolute, { throwIfNoEntry: false })
  if (stats !== undefined && fits(stats)) return { absolute, stats }
  const problem = `not ${kind}`
  const hint = roots[0] === undefined ? undefined : rootNameHint(path, roots[0])
  throw new McppError('NOT_FOUND', `${param}: "${path}" is ${problem} ${underRoots(path, roots)}`, {
    problems: [{ param, problem, ...(hint === undefined ? {} : { hint }) }],
    root: shownRoots(roots)[0],
  })
}
