import { describe, expect, it } from 'vitest'
import { buildCatalog } from '../relay/tools/catalog.ts'
import { FREE_VALUE_KEYWORD } from '../shared/tool/free-form.ts'
import { ToolRegistry } from '../shared/tool/registry.ts'
import { unusedDeps } from './fixtures/tool-catalogue.ts'

interface JsonSchema {
  type?: unknown
  description?: unknown
  properties?: Record<string, JsonSchema>
  additionalProperties?: boolean | JsonSchema
  propertyNames?: JsonSchema
  items?: JsonSchema
  prefixItems?: JsonSchema[]
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  $defs?: Record<string, JsonSchema>
  $ref?: unknown
  enum?: unknown
  const?: unknown
  not?: unknown
  [FREE_VALUE_KEYWORD]?: unknown
}

/** A schema that says nothing about its value's type: `{}` or `{description}`, any JSON. */
function saysNoType(schema: JsonSchema): boolean {
  const narrowing = [
    'type',
    'properties',
    'items',
    'prefixItems',
    'anyOf',
    'oneOf',
    'allOf',
    '$ref',
    'enum',
    'const',
    'not',
  ]
  return narrowing.every((key) => schema[key as keyof JsonSchema] === undefined)
}

/**
 * What a published input schema leaves open: objects that accept keys they do not
 * name (unless declared a free-form map: `propertyNames` says what its keys are, and a
 * description says why), values of any type not marked free (the values of a declared
 * map may be anything), and parameters, at any depth, without a description.
 */
function schemaFaults(schema: JsonSchema, at = '', inDeclaredMap = false): string[] {
  const faults: string[] = []
  if (saysNoType(schema) && !inDeclaredMap && schema[FREE_VALUE_KEYWORD] !== true) {
    faults.push(`${at || '(params)'}: accepts any value`)
  }
  const isObject = schema.type === 'object' || schema.properties !== undefined
  if (isObject && schema.additionalProperties !== false) {
    const declaredMap =
      schema.propertyNames !== undefined &&
      typeof schema.additionalProperties === 'object' &&
      typeof schema.description === 'string'
    if (!declaredMap) faults.push(`${at || '(params)'}: accepts unknown keys`)
  }
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const path = at === '' ? key : `${at}.${key}`
    if (typeof property.description !== 'string' || property.description.trim() === '') {
      faults.push(`${path}: no description`)
    }
    faults.push(...schemaFaults(property, path))
  }
  if (typeof schema.additionalProperties === 'object') {
    const declaredMap = schema.propertyNames !== undefined && typeof schema.description === 'string'
    faults.push(...schemaFaults(schema.additionalProperties, `${at}.*`, declaredMap))
  }
  if (schema.items !== undefined) faults.push(...schemaFaults(schema.items, `${at}[]`))
  schema.prefixItems?.forEach((item, i) => {
    faults.push(...schemaFaults(item, `${at}[${i}]`))
  })
  for (const option of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) {
    faults.push(...schemaFaults(option, at))
  }
  for (const [name, def] of Object.entries(schema.$defs ?? {}))
    faults.push(...schemaFaults(def, `$defs.${name}`))
  return faults
}

describe('published input schemas', () => {
  const tools = buildCatalog(unusedDeps({ registry: new ToolRegistry() })).flatMap((c) => c.tools)

  it('cover the whole catalogue', () => {
    expect(tools.length).toBeGreaterThan(80)
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['graph_add', 'vector_add_texts', 'p2p_taskqueue_submit']),
    )
  })

  it.each(tools.map((t) => [t.name, t] as const))(
    '%s rejects unknown keys at every depth and describes every parameter',
    (_name, tool) => {
      expect(schemaFaults(tool.inputJsonSchema as JsonSchema)).toEqual([])
    },
  )

  it('the walker finds a nested object that accepts unknown keys, an unmarked any-value and an undescribed parameter', () => {
    const schema: JsonSchema = {
      type: 'object',
      additionalProperties: false,
      properties: {
        edges: {
          description: 'Edges',
          type: 'array',
          items: { type: 'object', properties: { weight: { type: 'number' } } },
        },
        meta: {
          description: 'Free',
          type: 'object',
          propertyNames: { type: 'string' },
          additionalProperties: {},
        },
        input: { description: 'Anything' },
        output: { description: 'Anything, on purpose', [FREE_VALUE_KEYWORD]: true },
      },
    }
    expect(schemaFaults(schema)).toEqual([
      'edges[]: accepts unknown keys',
      'edges[].weight: no description',
      'input: accepts any value',
    ])
  })
})
