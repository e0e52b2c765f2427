import { z } from 'zod'
import type { JsonSchemaObject } from './types.ts'

/**
 * Publishes a zod object schema as JSON Schema 2020-12, the dialect MCP 2025-11-25
 * assumes when `$schema` is absent. `io` picks the input or the output view (defaults
 * make a property optional on input but present on output).
 */
export function toJsonSchema(schema: z.ZodObject, io: 'input' | 'output'): JsonSchemaObject {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' })
  return { ...json, type: 'object' } as JsonSchemaObject
}

/** The names of an object schema's top-level parameters. */
export function parameterNames(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape)
}
