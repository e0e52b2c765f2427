import type { Tool } from './types.ts'

interface Schema {
  type?: string | string[]
  enum?: unknown[]
  const?: unknown
  default?: unknown
  minimum?: number
  exclusiveMinimum?: number
  minItems?: number
  minLength?: number
  format?: string
  items?: Schema
  properties?: Record<string, Schema>
  required?: string[]
  anyOf?: Schema[]
}

/** A value a schema accepts, plain rather than clever: defaults, first enum values, minimums. */
function valueFor(schema: Schema, name: string): unknown {
  if (schema.const !== undefined) return schema.const
  if (schema.default !== undefined) return schema.default
  if (schema.enum) return schema.enum[0]
  if (schema.anyOf?.[0]) return valueFor(schema.anyOf[0], name)
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type
  switch (type) {
    case 'string':
      return schema.format === 'uri' ? 'https://example.com/' : name
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.exclusiveMinimum === undefined ? 1 : schema.exclusiveMinimum + 1)
    case 'boolean':
      return false
    case 'array':
      return Array.from({ length: schema.minItems ?? 1 }, () => valueFor(schema.items ?? {}, name))
    case 'object':
      return objectFor(schema)
    default:
      return null
  }
}

function objectFor(schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name of schema.required ?? []) out[name] = valueFor(schema.properties?.[name] ?? {}, name)
  return out
}

/** A tool's written example, or one derived from its input schema's required parameters. */
export function exampleParams(tool: Tool): Record<string, unknown> {
  return tool.example ?? objectFor(tool.inputJsonSchema as Schema)
}
