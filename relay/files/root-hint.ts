import { basename, isAbsolute } from 'node:path'

/**
 * Where a path parameter was looked for, said in an error: "under the file root
 * /data/files (paths are relative to it)". A caller who writes `files/x.csv` for
 * `<data-dir>/files/x.csv` is told to drop the root's own name (issue 10: such a path
 * got "not a file" with no hint of what it is relative to).
 */
export function underRoots(path: string, roots: readonly string[]): string {
  const [first] = roots
  if (first === undefined) return ''
  const where =
    roots.length === 1
      ? `under the file root ${first} (paths are relative to it)`
      : `under the file roots ${roots.join(', ')} (relative paths are taken from ${first})`
  const hint = rootNameHint(path, first)
  return hint === undefined ? where : `${where}; ${hint}`
}

/** A hint when a relative path starts with the root's own folder name (`files/`). */
export function rootNameHint(path: string, root: string): string | undefined {
  const prefix = `${basename(root)}/`
  if (isAbsolute(path) || !path.startsWith(prefix) || path.length === prefix.length) return undefined
  return `it starts with "${prefix}", the root's own folder: did you mean "${path.slice(prefix.length)}"?`
}
