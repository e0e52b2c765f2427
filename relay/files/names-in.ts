import { readdirSync } from 'node:fs'
import { McppError } from '../../shared/errors.ts'

/** Names of the `<name><ext>` files in a folder (stores keep one file per named object), sorted. */
export function namesIn(dir: string, ext = '.json'): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext) && !f.startsWith('.'))
    .map((f) => f.slice(0, -ext.length))
    .sort()
}

/** NOT_FOUND for a named object a store does not hold, listing the names it does hold. */
export function unknownName(what: string, plural: string, name: string, names: readonly string[]): McppError {
  return new McppError('NOT_FOUND', `no ${what} "${name}"; ${plural}: ${names.join(', ') || 'none'}`)
}
