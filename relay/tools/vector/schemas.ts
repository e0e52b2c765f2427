import { z } from 'zod'
import { MAX_EMBEDDING_DIMENSIONS } from '../../../shared/constants.ts'
import { freeForm } from '../../../shared/tool/free-form.ts'
import { storeName } from '../store-name.ts'

export const indexName = storeName('Vector index')

export const itemId = z
  .string()
  .min(1)
  .max(512)
  .describe('Item id, unique in the index (an existing id is updated)')
export const metadata = freeForm(
  z.record(z.string(), z.unknown()),
  'Your own JSON fields for the item (free-form); returned with hits and matched by search filters',
)
export const vector = z.array(z.number()).min(1).max(MAX_EMBEDDING_DIMENSIONS)
export const indexStats = z.object({
  name: z.string(),
  dimensions: z.number().int(),
  metric: z.string(),
  count: z.number().int().describe('Vectors in the index'),
  deleted: z.number().int().describe('Deleted vectors still taking space'),
  capacity: z.number().int(),
  m: z.number().int(),
  efConstruction: z.number().int(),
  ef: z.number().int(),
})
export { DELETES, READS, WRITES } from '../../../shared/tool/annotations.ts'
