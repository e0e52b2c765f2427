import fc from 'fast-check'
import {
  FIXTURE_PATHS,
  hostileValue,
  longString,
  oddNumber,
  oddString,
  SQL_SNIPPETS,
  smallJson,
  TRAVERSAL_PATHS,
} from './hostile-values.ts'
import { type JsonLike, RawJson } from './json-text.ts'

/**
 * Params for a tool from its input JSON Schema (2020-12, as the relay publishes it),
 * plus mutations of them. fast-check has no JSON Schema arbitrary and none of the
 * installed libraries build one, so this covers the subset the relay's zod schemas
 * produce: type (one or several), properties/required, additionalProperties, items,
 * min/max, pattern, enum, const, anyOf/oneOf and $ref into $defs.
 */
export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  propertyNames?: JsonSchema
  items?: JsonSchema
  minItems?: number
  maxItems?: number
  minLength?: number
  maxLength?: number
  pattern?: string
  enum?: unknown[]
  const?: unknown
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  $ref?: string
  $defs?: Record<string, JsonSchema>
}

/** What the relay under fuzz holds, so that generated names and ids hit real objects. */
export interface Known {
  tools: string[]
  categories: string[]
  /** Dataset, graph, search index and vector index names. */
  names: string[]
  cids: string[]
  taskIds: string[]
}

const MAX_REF_DEPTH = 3
/** Valid-ish arrays stay short; mutations make long ones. */
const MAX_ITEMS = 4
const MAX_STRING = 40

export function paramsArbitrary(root: JsonSchema, known: Known): fc.Arbitrary<JsonLike> {
  return forSchema(root, root, known, undefined, 0)
}

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema
  const name = schema.$ref.replace(/^#\/\$defs\//, '')
  return root.$defs?.[name] ?? {}
}

function forSchema(
  raw: JsonSchema,
  root: JsonSchema,
  known: Known,
  name: string | undefined,
  depth: number,
): fc.Arbitrary<JsonLike> {
  if (raw.$ref && depth >= MAX_REF_DEPTH) return fc.constant(null)
  const schema = resolve(raw, root)
  const next = (s: JsonSchema, n: string | undefined) =>
    forSchema(s, root, known, n, depth + (raw.$ref ? 1 : 0))
  if (schema.enum) return fc.constantFrom(...(schema.enum as JsonLike[]))
  if (schema.const !== undefined) return fc.constant(schema.const as JsonLike)
  const alternatives = schema.anyOf ?? schema.oneOf
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => next(s, name)))
  if (schema.allOf?.length) return next(schema.allOf[0] as JsonSchema, name)
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []
  if (types.length === 0) {
    return schema.properties ? objectFor(schema, next) : hostileValue
  }
  return fc.oneof(
    ...types.map((type): fc.Arbitrary<JsonLike> => {
      switch (type) {
        case 'object':
          return objectFor(schema, next)
        case 'array':
          return fc.array(next(schema.items ?? {}, name), {
            minLength: schema.minItems ?? 0,
            maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS)),
          })
        case 'string':
          return stringFor(schema, name, known)
        case 'integer':
          return fc.integer({
            min: bound(schema.minimum ?? addOne(schema.exclusiveMinimum), -1_000_000),
            max: bound(schema.maximum ?? addOne(schema.exclusiveMaximum, -1), 1_000_000),
          })
        case 'number':
          return fc.double({
            min: bound(schema.minimum ?? schema.exclusiveMinimum, -1e6),
            max: bound(schema.maximum ?? schema.exclusiveMaximum, 1e6),
            noNaN: true,
            noDefaultInfinity: true,
          })
        case 'boolean':
          return fc.boolean()
        case 'null':
          return fc.constant(null)
        default:
          return smallJson
      }
    }),
  )
}

function addOne(value: number | undefined, by = 1): number | undefined {
  return value === undefined ? undefined : value + by
}

function bound(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  return Math.max(-(2 ** 31), Math.min(2 ** 31, value))
}

function objectFor(
  schema: JsonSchema,
  next: (s: JsonSchema, name: string | undefined) => fc.Arbitrary<JsonLike>,
): fc.Arbitrary<JsonLike> {
  const props = schema.properties ?? {}
  if (Object.keys(props).length === 0) {
    const values = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {}
    return fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), oddString), next(values, undefined), {
      maxKeys: 3,
    }) as fc.Arbitrary<JsonLike>
  }
  const record: Record<string, fc.Arbitrary<JsonLike>> = {}
  for (const [key, value] of Object.entries(props)) record[key] = next(value, key)
  const requiredKeys = (schema.required ?? []).filter((k) => k in props)
  return fc.record(record, { requiredKeys }) as fc.Arbitrary<JsonLike>
}

/** Strings by what the parameter's name says it holds, so valid-looking values reach real work. */
function stringFor(schema: JsonSchema, name: string | undefined, known: Known): fc.Arbitrary<JsonLike> {
  const min = schema.minLength ?? 0
  const max = Math.max(min, Math.min(schema.maxLength ?? MAX_STRING, MAX_STRING))
  const plain = schema.pattern
    ? fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? 1e6))
    : fc.string({ minLength: min, maxLength: max })
  const hinted = hintFor(name ?? '', known)
  if (!hinted) return fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: oddString })
  return fc.oneof(
    { weight: 4, arbitrary: hinted },
    { weight: 2, arbitrary: plain },
    { weight: 1, arbitrary: oddString },
  )
}

function hintFor(name: string, known: Known): fc.Arbitrary<JsonLike> | undefined {
  const key = name.toLowerCase()
  const some = (values: string[]) => (values.length ? fc.constantFrom(...values) : fc.constant('none'))
  if (key === 'cid') return fc.oneof(some(known.cids), fc.constantFrom('bafkqaaa', 'QmInvalid', 'bafy'))
  if (/path|dir|file|output|target|source/.test(key)) {
    return fc.oneof(
      fc.constantFrom(...FIXTURE_PATHS),
      fc.constantFrom(...TRAVERSAL_PATHS),
      fc.stringMatching(/^out\/[a-z0-9]{1,8}\.(csv|json|jsonl|parquet|txt|car|png|mp3|wav)$/),
    )
  }
  if (/sql|where|derive/.test(key)) return fc.constantFrom(...SQL_SNIPPETS)
  if (key === 'tool') return some(known.tools)
  if (key === 'category') return some(known.categories)
  if (/^(name|dataset|graph|saveas|trainname|testname|node)$/.test(key)) return some(known.names)
  if (/taskid|workerid/.test(key)) return some(known.taskIds)
  if (key === 'kind') return fc.constantFrom('echo', 'sha256', 'embed', 'wasm', 'fuzz-kind')
  if (/^(text|message|query|interval|column|timecolumn)$/.test(key)) {
    return fc.oneof(
      { weight: 6, arbitrary: fc.string({ maxLength: 200 }) },
      { weight: 1, arbitrary: longString },
    )
  }
  return undefined
}

/** Ways to break valid params: what a careless or hostile client sends. */
export type Mutation =
  | { op: 'drop'; pick: number }
  | { op: 'replace'; pick: number; value: JsonLike }
  | { op: 'unknown'; key: string; value: JsonLike }
  | { op: 'limit'; pick: number; over: boolean }
  | { op: 'number'; pick: number; value: JsonLike }
  | { op: 'whole'; value: JsonLike }

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), pick: fc.nat(), value: hostileValue }),
  fc.record({ op: fc.constant('unknown' as const), key: oddString, value: smallJson }),
  fc.record({ op: fc.constant('limit' as const), pick: fc.nat(), over: fc.boolean() }),
  fc.record({ op: fc.constant('number' as const), pick: fc.nat(), value: oddNumber }),
  fc.record({
    op: fc.constant('whole' as const),
    value: fc.oneof(hostileValue, fc.constantFrom<JsonLike>(null, [], '', 0, 'params')),
  }),
)

type Path = Array<string | number>
type Container = JsonLike[] | { [key: string]: JsonLike }

function isContainer(value: JsonLike | undefined): value is Container {
  return value !== null && typeof value === 'object' && !(value instanceof RawJson)
}

/** Every object member and array element of a value, up to a few levels down. */
function pathsOf(value: JsonLike, prefix: Path = [], out: Path[] = []): Path[] {
  if (prefix.length >= 4 || !isContainer(value)) return out
  const entries: Array<[string | number, JsonLike]> = Array.isArray(value)
    ? value.slice(0, 8).map((v, i) => [i, v])
    : Object.keys(value).map((k) => [k, value[k] as JsonLike])
  for (const [k, v] of entries) {
    out.push([...prefix, k])
    pathsOf(v, [...prefix, k], out)
  }
  return out
}

function parentOf(root: JsonLike, path: Path): Record<string | number, JsonLike> | undefined {
  let node: JsonLike | undefined = root
  for (const k of path.slice(0, -1)) {
    if (!isContainer(node)) return undefined
    node = (node as Record<string | number, JsonLike>)[k]
  }
  return isContainer(node) ? (node as Record<string | number, JsonLike>) : undefined
}

/** Schema nodes of top-level params with a length limit, for "just over the limit" mutations. */
function limitedParams(schema: JsonSchema): Array<[string, number, 'string' | 'array']> {
  const out: Array<[string, number, 'string' | 'array']> = []
  for (const [key, raw] of Object.entries(schema.properties ?? {})) {
    const s = resolve(raw, schema)
    if (s.maxLength !== undefined && s.maxLength <= 2_000_000) out.push([key, s.maxLength, 'string'])
    if (s.maxItems !== undefined && s.maxItems <= 200_000) out.push([key, s.maxItems, 'array'])
  }
  return out
}

export function applyMutations(params: JsonLike, mutations: Mutation[], schema: JsonSchema): JsonLike {
  // Generated values are never shared with fast-check's own copy for shrinking.
  let value = structuredCloneJson(params)
  for (const m of mutations) {
    if (m.op === 'whole') {
      value = m.value
      continue
    }
    if (m.op === 'unknown') {
      if (isContainer(value) && !Array.isArray(value)) defineMember(value, m.key, m.value)
      continue
    }
    if (m.op === 'limit') {
      const limited = limitedParams(schema)
      const pick = limited[m.pick % Math.max(1, limited.length)]
      if (!pick || !isContainer(value) || Array.isArray(value)) continue
      const [key, max, kind] = pick
      const n = max + (m.over ? 1 : 0)
      defineMember(value, key, kind === 'string' ? 'x'.repeat(n) : Array.from({ length: n }, () => 'x'))
      continue
    }
    const paths = pathsOf(value)
    const path = paths[m.pick % Math.max(1, paths.length)]
    if (!path) continue
    const parent = parentOf(value, path)
    const last = path[path.length - 1] as string | number
    if (!parent) continue
    if (m.op === 'drop') {
      if (Array.isArray(parent)) parent.splice(last as number, 1)
      else delete parent[last]
    } else if (Array.isArray(parent)) {
      parent[last as number] = m.value
    } else {
      defineMember(parent as Record<string, JsonLike>, String(last), m.value)
    }
  }
  return value
}

/** Sets a member as data, also when its name is "__proto__". */
function defineMember(target: Record<string, JsonLike>, key: string, value: JsonLike): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

/** A copy of the containers of a value; RawJson leaves are immutable and shared. */
function structuredCloneJson(value: JsonLike): JsonLike {
  if (!isContainer(value)) return value
  if (Array.isArray(value)) return value.map(structuredCloneJson)
  const out: Record<string, JsonLike> = {}
  for (const k of Object.keys(value)) defineMember(out, k, structuredCloneJson(value[k] as JsonLike))
  return out
}
