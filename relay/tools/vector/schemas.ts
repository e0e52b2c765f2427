import { z } from 'zod'
import { MAX_EMBEDDING_DIMENSIONS } from '../../../shared/constants.ts'
import { VECTOR_INDEX_NAME } from '../../vectors/vector-store.ts'

export const indexName = z
  .string()
  .regex(VECTOR_INDEX_NAME, 'letters, digits, _ . - (at most 64)')
  .describe('Vector index name')
export const itemId = z.string().min(1).max(512)
export const metadata = z.record(z.string(), z.unknown())
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
