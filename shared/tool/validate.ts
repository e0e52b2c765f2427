import type { z } from 'zod'
import { McppError } from '../errors.ts'
import { valueDeeperThan } from '../json-depth.ts'
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
  /** Dotted path of the parameter, e.g. `limit` or `items.2.id`. */
  param: string
  problem: string
}

export type Validation<T> = { ok: true; value: T } | { ok: false; problems: ParamProblem[] }

/** Validates against a zod schema and reports each problem by parameter name. */
export function validate<T>(schema: z.ZodType<T>, value: unknown): Validation<T> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return { ok: true, value: parsed.data }
  const problems: ParamProblem[] = []
  for (const issue of parsed.error.issues) {
    const base = issue.path.map(String).join('.')
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ param: base ? `${base}.${key}` : key, problem: 'unknown parameter' })
      }
    } else if (issue.code === 'invalid_type' && valueAt(value, issue.path) === undefined) {
      problems.push({ param: base || '(params)', problem: 'required parameter is missing' })
    } else {
      problems.push({ param: base || '(params)', problem: issue.message })
    }
  }
  return { ok: false, problems }
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
  return problems.map((p) => `'${p.param}': ${p.problem}`).join('; ')
}

/** Validates a call's params against the tool's input schema; throws INVALID_PARAMS. */
export function parseToolInput(tool: Tool, params: unknown): Record<string, unknown> {
  assertParamsDepth(params)
  const result = validate(tool.input, params ?? {})
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
