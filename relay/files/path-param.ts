import { z } from 'zod'
import { MAX_PATH_BYTES } from './confine-path.ts'

/**
 * A path parameter under the file root; confinePath checks the rest (NUL bytes, roots,
 * links). Tools describe what the path is for; this default says where it resolves.
 */
export const pathParam = z
  .string()
  .min(1)
  .max(MAX_PATH_BYTES)
  .describe('A path under the file root (<data-dir>/files), relative to it, e.g. reports/q3.csv')
