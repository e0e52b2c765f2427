import { readdirSync } from 'node:fs'

/** Names of the `<name><ext>` files in a folder (stores keep one file per named object), sorted. */
export function namesIn(dir: string, ext = '.json'): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext) && !f.startsWith('.'))
    .map((f) => f.slice(0, -ext.length))
    .sort()
}
