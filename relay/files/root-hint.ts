import { basename, dirname, isAbsolute, relative } from 'node:path'

/**
 * How errors name the file roots to remote callers: relative to the data directory
 * (`<data-dir>/files`), never as the server's absolute path, which the operator sees in
 * the log instead ("relay listening" names the data directory). The first root is the
 * data directory's own folder (components.ts); another root outside it is `<file root N>`.
 */
export function shownRoots(roots: readonly string[]): string[] {
  const [first] = roots
  if (first === undefined) return []
  const dataDir = dirname(first)
  return roots.map((root, i) => {
    const rel = relative(dataDir, root)
    const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)
    return inside ? `<data-dir>/${rel}` : `<file root ${i + 1}>`
  })
}

/**
 * Where a path parameter was looked for, said in an error: "under the file root
 * <data-dir>/files (paths are relative to it)". A caller who writes `files/x.csv` for
 * `<data-dir>/files/x.csv` is told to drop the root's own name (issue 10: such a path
 * got "not a file" with no hint of what it is relative to).
 */
export function underRoots(path: string, roots: readonly string[]): string {
  const [first] = roots
  if (first === undefined) return ''
  const shown = shownRoots(roots)
  const where =
    roots.length === 1
      ? `under the file root ${shown[0]} (paths are relative to it)`
      : `under the file roots ${shown.join(', ')} (relative paths are taken from ${shown[0]})`
  const hint = rootNameHint(path, first)
  return hint === undefined ? where : `${where}; ${hint}`
}

/** A hint when a relative path starts with the root's own folder name (`files/`). */
export function rootNameHint(path: string, root: string): string | undefined {
  const prefix = `${basename(root)}/`
  if (isAbsolute(path) || !path.startsWith(prefix) || path.length === prefix.length) return undefined
  return `it starts with "${prefix}", the root's own folder: did you mean "${path.slice(prefix.length)}"?`
}
