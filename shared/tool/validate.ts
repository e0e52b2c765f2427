import type { z } from 'zod'
import { McppError } from '../errors.ts'
import { valueDeeperThan } from '../json-depth.ts'
import { closestNames } from './closest-names.ts'
import type { Tool } from './types.ts'

/**
 * How deeply tool params may nest (objects and arrays). Real params nest a few levels;
 * the limit exists because validation, canonical JSON (the audit digest) and
 * JSON.stringify all recurse, and a 4 MiB body can nest a million levels deep, which
 * overflows the stack (issue 9: INTERNAL instead of INVALID_PARAMS).
 */
export const MAX_PARAMS_DEPTH = 64

/** Refuses params nested deeper than MAX_PARAMS_DEPTH with INVALID_PARAMS. */
export function assertParamsDepth(params: unknown): void {
  if (!valueDeeperThan(params, MAX_PARAMS_DEPTH)) return
  const problem = { param: '(params)', problem: `nested deeper than ${MAX_PARAMS_DEPTH} levels` }
  throw new McppError('INVALID_PARAMS', `invalid params: ${problem.problem}`, {
    problems: [problem],
    maxDepth: MAX_PARAMS_DEPTH,
  })
}

export interface ParamProblem {
  /** Where the parameter is, e.g. `limit` or `edges[0].weight`. */
  param: string
  problem: string
  /** What the caller probably meant, e.g. "`index` was renamed `name`" or "did you mean metadata?". */
  hint?: string
}

export type Validation<T> = { ok: true; value: T } | { ok: false; problems: ParamProblem[] }

export interface ValidateOptions {
  /** Former parameter names, old → new: the hint for an old name names the new one. */
  renamed?: Readonly<Record<string, string>>
}

/** Validates against a zod schema and reports each problem by parameter path. */
export function validate<T>(
  schema: z.ZodType<T>,
  value: unknown,
  options: ValidateOptions = {},
): Validation<T> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return { ok: true, value: parsed.data }
  const problems: ParamProblem[] = []
  for (const issue of parsed.error.issues) {
    const base = formatPath(issue.path)
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const hint = unknownKeyHint(schema, issue.path, key, options)
        problems.push({
          param: formatPath([...issue.path, key]),
          problem: 'unknown parameter',
          ...(hint === undefined ? {} : { hint }),
        })
      }
    } else if (issue.code === 'invalid_type' && valueAt(value, issue.path) === undefined) {
      problems.push({ param: base || '(params)', problem: 'required parameter is missing' })
    } else {
      problems.push({ param: base || '(params)', problem: issue.message })
    }
  }
  return { ok: false, problems }
}

/** `edges[0].weight`: keys joined with dots, array positions in brackets. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out
}

function unknownKeyHint(
  schema: z.core.$ZodType,
  path: readonly PropertyKey[],
  key: string,
  options: ValidateOptions,
): string | undefined {
  const renamedTo = path.length === 0 ? options.renamed?.[key] : undefined
  if (renamedTo !== undefined) return `\`${key}\` was renamed \`${renamedTo}\``
  // A name of one or two letters is close to every other short name: no guess helps.
  const known = key.length < 3 ? undefined : keysAt(schema, path)
  const close = known === undefined ? [] : closestNames(key, known, MAX_KEY_SUGGESTIONS)
  return close.length > 0 ? `did you mean ${close.join(' or ')}?` : undefined
}

const MAX_KEY_SUGGESTIONS = 2

/** The keys the object schema at `path` names; undefined when there is no single one. */
function keysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let node: z.core.$ZodType | undefined = schema
  let i = 0
  while (node !== undefined) {
    const def = node._zod.def as z.core.$ZodTypeDef & Record<string, unknown>
    if (def.type === 'object') {
      const shape = (def as unknown as z.core.$ZodObjectDef).shape
      if (i === path.length) return Object.keys(shape)
      node = shape[String(path[i++])]
    } else if (def.type === 'array') {
      if (i === path.length) return undefined
      i++
      node = (def as unknown as z.core.$ZodArrayDef).element
    } else if (def.type === 'record') {
      if (i === path.length) return undefined
      i++
      node = (def as unknown as z.core.$ZodRecordDef).valueType
    } else if (def.type === 'pipe') {
      node = (def as unknown as z.core.$ZodPipeDef).in
    } else if (def.type === 'lazy') {
      node = (def as unknown as z.core.$ZodLazyDef).getter()
    } else {
      node = def.innerType as z.core.$ZodType | undefined
    }
  }
  return undefined
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<PropertyKey, unknown>)[key]
  }
  return current
}

export function describeProblems(problems: readonly ParamProblem[]): string {
  return problems
    .map((p) => `${p.param}: ${p.problem}${p.hint === undefined ? '' : ` (${p.hint})`}`)
    .join('; ')
}

/** Validates a call's params against the tool's input schema; throws INVALID_PARAMS. */
export function parseToolInput(tool: Tool, params: unknown): Record<string, unknown> {
  assertParamsDepth(params)
  const result = validate(tool.input, params ?? {}, { renamed: tool.renamed })
  if (result.ok) return result.value
  throw new McppError(
    'INVALID_PARAMS',
    `invalid params for ${tool.name}: ${describeProblems(result.problems)}`,
    { problems: result.problems },
  )
}

/** Checks a handler's result against the tool's output schema; a mismatch is our bug. */
export function parseToolOutput(tool: Tool, output: unknown): Record<string, unknown> {
  const result = validate(tool.output, output)
  if (result.ok) return result.value
  throw new McppError(
    'INVALID_OUTPUT',
    `${tool.name} produced output that does not match its schema: ${describeProblems(result.problems)}`,
  )
}
