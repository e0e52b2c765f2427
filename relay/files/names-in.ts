import { readdirSync } from 'node:fs'
import { McppError } from '../../shared/errors.ts'
import { spellingScores } from '../../shared/tool/closest-names.ts'

/** Names of the `<name><ext>` files in a folder (stores keep one file per named object), sorted. */
export function namesIn(dir: string, ext = '.json'): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext) && !f.startsWith('.'))
    .map((f) => f.slice(0, -ext.length))
    .sort()
}

/** How many held names a NOT_FOUND lists: a store may hold thousands. */
export const MAX_LISTED_NAMES = 10

/**
 * NOT_FOUND for a named object a store does not hold. A store with few names lists them
 * all; a larger one lists the MAX_LISTED_NAMES closest in spelling (then the first in
 * order) and says how many it holds.
 */
export function unknownName(what: string, plural: string, name: string, names: readonly string[]): McppError {
  const base = `no ${what} "${name}"`
  if (names.length <= MAX_LISTED_NAMES) {
    return new McppError('NOT_FOUND', `${base}; ${plural}: ${names.join(', ') || 'none'}`)
  }
  const listed = new Set(
    spellingScores(name, names)
      .slice(0, MAX_LISTED_NAMES)
      .map((s) => s.name),
  )
  for (const other of names) {
    if (listed.size === MAX_LISTED_NAMES) break
    listed.add(other)
  }
  const held = names.length.toLocaleString('en-US')
  return new McppError('NOT_FOUND', `${base}; ${held} ${plural}, among them: ${[...listed].join(', ')}`, {
    held: names.length,
  })
}
