import { z } from 'zod'
import { STORE_NAME } from '../store/named-file-store.ts'

/**
 * The `name` parameter of a stored thing (a vector or search index): the store's own
 * name rule, checked before the store sees it.
 */
export function storeName(what: string) {
  return z.string().regex(STORE_NAME, 'letters, digits, _ . - (at most 64)').describe(`${what} name`)
}

/** Index tools named their index `index` until issue 10 made every stored thing's name `name`. */
export const RENAMED_INDEX = { index: 'name' } as const
