import type { z } from 'zod'
import { McppError } from '../errors.ts'
import { DepthWalk, valueDeeperThan } from '../json-depth.ts'
import { closestNames } from './closest-names.ts'
import type { Tool } from './types.ts'

/**
 * How deeply tool params may nest (objects and arrays). Real params nest a few levels;
 * the limit exists because validation, canonical JSON (the audit digest) and
 * JSON.stringify all recurse, and a 4 MiB body can nest a million levels deep, which
 * overflows the stack (issue 9: INTERNAL instead of INVALID_PARAMS).
 */
export const MAX_PARAMS_DEPTH = 64

/**
 * Params already found within the limit, with their direct members: a call's check
 * covers them, so the check of a call made with them (tools_dispatch's inner params)
 * need not walk them again. Each walk of a 4 MiB body of small objects holds the
 * event loop for tens of ms, and a dispatched call was walked three times.
 */
const checked = new WeakSet<object>()

/** Refuses params nested deeper than MAX_PARAMS_DEPTH with INVALID_PARAMS. */
export function assertParamsDepth(params: unknown): void {
  if (params === null || typeof params !== 'object' || checked.has(params)) return
  if (valueDeeperThan(params, MAX_PARAMS_DEPTH)) throw tooDeep()
  markChecked(params)
}

/** Objects and arrays assertParamsDepthInTurns visits between two chances to pause. */
const WALK_STEP = 5_000

/**
 * assertParamsDepth with `pause()` awaited between steps of the walk, so that the
 * caller can give the event loop turns (the relay's MCP endpoint, on every call).
 */
export async function assertParamsDepthInTurns(
  params: unknown,
  pause: () => Promise<void> | undefined,
): Promise<void> {
  if (params === null || typeof params !== 'object' || checked.has(params)) return
  const walk = new DepthWalk(params, MAX_PARAMS_DEPTH)
  for (let deeper = walk.step(WALK_STEP); ; deeper = walk.step(WALK_STEP)) {
    if (deeper === true) throw tooDeep()
    if (deeper === false) break
    await pause()
  }
  markChecked(params)
}

function markChecked(params: object): void {
  checked.add(params)
  for (const member of Object.values(params)) {
    if (member !== null && typeof member === 'object') checked.add(member)
  }
}

function tooDeep(): McppError {
  const problem = { param: '(params)', problem: `nested deeper than ${MAX_PARAMS_DEPTH} levels` }
  return new McppError('INVALID_PARAMS', `invalid params: ${problem.problem}`, {
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

export type Validation<T> =
  | { ok: true; value: T }
  /** `omitted`: how many problems were found beyond the first MAX_REPORTED_PROBLEMS, when any. */
  | { ok: false; problems: ParamProblem[]; omitted?: number }

/**
 * How many problems a failed validation reports (and hints); the rest are only counted.
 * A 4 MiB body holds ~280k short keys: reporting and hinting each made a bad request
 * far dearer than a good one, and the message megabytes long (issue 10 review).
 */
export const MAX_REPORTED_PROBLEMS = 20

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
  // zod's own message for unknown keys lists every one of them; ours names each by path.
  const parsed = schema.safeParse(value, { error: shortUnknownKeys })
  if (parsed.success) return { ok: true, value: parsed.data }
  const problems: ParamProblem[] = []
  let omitted = 0
  const room = () => problems.length < MAX_REPORTED_PROBLEMS
  for (const issue of parsed.error.issues) {
    const base = formatPath(issue.path)
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        if (!room()) {
          omitted += 1
          continue
        }
        const hint = unknownKeyHint(schema, issue.path, key, options)
        problems.push({
          param: formatPath([...issue.path, key]),
          problem: 'unknown parameter',
          ...(hint === undefined ? {} : { hint }),
        })
      }
    } else if (!room()) {
      omitted += 1
    } else if (issue.code === 'invalid_type' && valueAt(value, issue.path) === undefined) {
      problems.push({ param: base || '(params)', problem: 'required parameter is missing' })
    } else {
      problems.push({ param: base || '(params)', problem: issue.message })
    }
  }
  return omitted === 0 ? { ok: false, problems } : { ok: false, problems, omitted }
}

function shortUnknownKeys(issue: z.core.$ZodRawIssue): string | undefined {
  return issue.code === 'unrecognized_keys' ? 'unknown parameters' : undefined
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
  // hasOwn: `constructor` or `toString` must not find Object.prototype's members.
  const renamed = options.renamed
  const renamedTo = path.length === 0 && renamed && Object.hasOwn(renamed, key) ? renamed[key] : undefined
  if (renamedTo !== undefined) return `\`${key}\` was renamed \`${renamedTo}\``
  // A name of one or two letters is close to every other short name: no guess helps.
  // The candidates are only the keys declared at that path (a handful), so a hint's
  // edit-distance work is bounded by them and by closestNames' name-length cap.
  const known = key.length < 3 ? undefined : keysAt(schema, path)
  const close =
    known === undefined ? [] : closestNames(key, known.slice(0, MAX_KEY_CANDIDATES), MAX_KEY_SUGGESTIONS)
  return close.length > 0 ? `did you mean ${close.join(' or ')}?` : undefined
}

const MAX_KEY_SUGGESTIONS = 2
/** Declared keys compared with an unknown one; tool inputs declare far fewer. */
const MAX_KEY_CANDIDATES = 100

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

/** `limit: too big; name: required parameter is missing`, then `; and 1,234 more` when some were omitted. */
export function describeProblems(problems: readonly ParamProblem[], omitted = 0): string {
  const listed = problems.map((p) => `${p.param}: ${p.problem}${p.hint === undefined ? '' : ` (${p.hint})`}`)
  if (omitted > 0) listed.push(`and ${omitted.toLocaleString('en-US')} more`)
  return listed.join('; ')
}

/** Validates a call's params against the tool's input schema; throws INVALID_PARAMS. */
export function parseToolInput(tool: Tool, params: unknown): Record<string, unknown> {
  assertParamsDepth(params)
  const result = validate(tool.input, params ?? {}, { renamed: tool.renamed })
  if (result.ok) return result.value
  throw new McppError(
    'INVALID_PARAMS',
    `invalid params for ${tool.name}: ${describeProblems(result.problems, result.omitted)}`,
    { problems: result.problems, ...(result.omitted === undefined ? {} : { moreProblems: result.omitted }) },
  )
}

/** Checks a handler's result against the tool's output schema; a mismatch is our bug. */
export function parseToolOutput(tool: Tool, output: unknown): Record<string, unknown> {
  const result = validate(tool.output, output)
  if (result.ok) return result.value
  throw new McppError(
    'INVALID_OUTPUT',
    `${tool.name} produced output that does not match its schema: ${describeProblems(result.problems, result.omitted)}`,
  )
}
