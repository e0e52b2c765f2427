import { z } from 'zod'
import { MAX_PATH_BYTES } from './confine-path.ts'

/** A path parameter under the data roots; confinePath checks the rest (NUL bytes, roots, links). */
export const pathParam = z.string().min(1).max(MAX_PATH_BYTES)
