import type { z } from 'zod'

/** Records and values declared free-form, and their clones (`.refine`, `.describe` keep a parent link). */
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

/**
 * The JSON Schema keyword that marks a value declared with freeValue. An empty schema
 * (`{}`, any JSON) says nothing about whether "anything" was meant; this annotation
 * does, so a check of the published schema can tell a deliberate free value from a
 * forgotten one (JSON Schema 2020-12 §6.5 lets unknown keywords through as annotations).
 */
export const FREE_VALUE_KEYWORD = 'x-free-value'

/**
 * Declares a parameter that takes any JSON value of the caller's own (a task's input,
 * a cached value, a DAG node): `z.unknown()`, `z.any()` or `z.custom()`. Every other
 * parameter names its type; `why` becomes the description.
 */
export function freeValue<T extends z.ZodType>(schema: T, why: string): T {
  const described = schema.meta({ description: why, [FREE_VALUE_KEYWORD]: true }) as T
  declared.add(described)
  return described
}

/** Whether `schema` was declared with freeForm or freeValue (directly or as a clone of one). */
export function isFreeForm(schema: z.core.$ZodType): boolean {
  for (let s: z.core.$ZodType | undefined = schema; s !== undefined; s = s._zod.parent) {
    if (declared.has(s)) return true
  }
  return false
}
