import type { z } from 'zod'

/** Records declared free-form, and their clones (`.refine`, `.describe` keep a parent link). */
const declared = new WeakSet<z.core.$ZodType>()

/**
 * Declares a parameter whose keys are the caller's own (a task's input, metadata,
 * dataset rows, a column → weight map), so that it may accept keys no schema names.
 * It must be a record, which publishes its key and value types (`propertyNames`,
 * `additionalProperties`), and `why` becomes its description. Every other object in
 * a tool's input rejects unknown keys (strict-input.ts).
 */
export function freeForm<T extends z.ZodRecord>(record: T, why: string): T {
  const described = record.describe(why) as T
  declared.add(described)
  return described
}

/** Whether `schema` was declared with freeForm (directly or as a clone of one). */
export function isFreeForm(schema: z.core.$ZodType): boolean {
  for (let s: z.core.$ZodType | undefined = schema; s !== undefined; s = s._zod.parent) {
    if (declared.has(s)) return true
  }
  return false
}
