import { z } from 'zod'
import { freeForm } from '../tool/free-form.ts'

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()])
type Scalar = z.infer<typeof scalar>

const condition = z.union([
  scalar,
  z
    .strictObject({
      eq: scalar.optional().describe('Equal to'),
      ne: scalar.optional().describe('Not equal to'),
      gt: z
        .union([z.number(), z.string()])
        .optional()
        .describe('Greater than (numbers with numbers, text with text)'),
      gte: z.union([z.number(), z.string()]).optional().describe('Greater than or equal to'),
      lt: z.union([z.number(), z.string()]).optional().describe('Less than'),
      lte: z.union([z.number(), z.string()]).optional().describe('Less than or equal to'),
      in: z.array(scalar).max(10_000).optional().describe('One of these'),
      nin: z.array(scalar).max(10_000).optional().describe('None of these'),
    })
    .refine((c) => Object.keys(c).length > 0, 'give at least one of eq, ne, gt, gte, lt, lte, in, nin'),
])

/**
 * A metadata filter: every named field must match. A plain value means equality;
 * an object combines comparisons, e.g. `{ "year": { "gte": 2020 }, "lang": "en" }`.
 */
export const metadataFilter = freeForm(
  z.record(z.string().min(1).max(256), condition),
  'Metadata field (your own names) → a value it must equal, or comparisons it must pass',
)
export type MetadataFilter = z.infer<typeof metadataFilter>

const comparable = (a: unknown, b: Scalar): boolean =>
  (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')

export function matchesFilter(
  metadata: Record<string, unknown> | undefined,
  filter: MetadataFilter,
): boolean {
  for (const [field, cond] of Object.entries(filter)) {
    const value = metadata?.[field]
    if (cond === null || typeof cond !== 'object') {
      if ((value ?? null) !== cond) return false
      continue
    }
    if (cond.eq !== undefined && (value ?? null) !== cond.eq) return false
    if (cond.ne !== undefined && (value ?? null) === cond.ne) return false
    if (cond.in !== undefined && !cond.in.includes((value ?? null) as Scalar)) return false
    if (cond.nin?.includes((value ?? null) as Scalar)) return false
    for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
      const bound = cond[op]
      if (bound === undefined) continue
      if (!comparable(value, bound)) return false
      const v = value as number | string
      if (op === 'gt' && !(v > bound)) return false
      if (op === 'gte' && !(v >= bound)) return false
      if (op === 'lt' && !(v < bound)) return false
      if (op === 'lte' && !(v <= bound)) return false
    }
  }
  return true
}
