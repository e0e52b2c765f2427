import type { TaskError } from '../task/types.ts'
import { lookupPath, parsePath } from './json-path.ts'
import { MAX_STEP_JSON_DEPTH, STEP_ID_PATTERN } from './limits.ts'
import type { StepRef } from './types.ts'

/**
 * References inside a step's `input`/`params` (StepRef in types.ts): finding them,
 * the steps they depend on, and replacing them by values once those steps finished.
 *
 * An object is a reference when it has a `$ref`, `$cid` or `$item` key, and then it
 * must be a well-formed one: exactly one of those keys, plus `path` for `$ref`/`$item`,
 * nothing else. A malformed one (`{ "$ref": 5 }`, `{ "$cid": "a", "path": "$.x" }`,
 * `{ "$ref": "a", "note": 1 }`, `{ "$item": false }`) is an error, not a literal: a
 * typo must not silently reach a worker as data.
 *
 * `{ "$literal": value }` (no other key) passes `value` through unexamined, for data
 * that itself has `$ref` keys (a JSON Schema as a task's input, say).
 */

export const LITERAL_KEY = '$literal'
const MARKERS = ['$ref', '$cid', '$item'] as const

export type Classified =
  | { kind: 'literal' }
  | { kind: 'escaped'; value: unknown }
  | { kind: 'ref'; ref: StepRef }
  | { kind: 'invalid'; message: string }

/** Whether one JSON node is a literal, an escaped literal, a reference, or a malformed reference. */
export function classify(value: unknown): Classified {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { kind: 'literal' }
  const keys = Object.keys(value)
  const record = value as Record<string, unknown>
  if (keys.length === 1 && keys[0] === LITERAL_KEY) return { kind: 'escaped', value: record[LITERAL_KEY] }
  const markers = MARKERS.filter((m) => Object.hasOwn(record, m))
  if (markers.length === 0) return { kind: 'literal' }
  if (markers.length > 1)
    return invalid(`a reference has one of $ref, $cid, $item, not ${markers.join(' and ')}`)
  const marker = markers[0] as (typeof MARKERS)[number]
  const allowed = marker === '$cid' ? [marker] : [marker, 'path']
  const extra = keys.filter((k) => !allowed.includes(k))
  if (extra.length > 0) {
    return invalid(`a ${marker} reference may have only ${allowed.join(' and ')}, not ${extra.join(', ')}`)
  }
  const path = record.path
  if (path !== undefined) {
    if (typeof path !== 'string') return invalid('path must be a string')
    const parsed = parsePath(path)
    if (!parsed.ok) return invalid(`path ${JSON.stringify(path)}: ${parsed.message}`)
  }
  const target = record[marker]
  if (marker === '$item') {
    if (target !== true) return invalid('$item must be true')
    return { kind: 'ref', ref: path === undefined ? { $item: true } : { $item: true, path } }
  }
  if (typeof target !== 'string' || !STEP_ID_PATTERN.test(target)) {
    return invalid(`${marker} must name a step id (1–64 of A-Z a-z 0-9 _ . -)`)
  }
  if (marker === '$cid') return { kind: 'ref', ref: { $cid: target } }
  return { kind: 'ref', ref: path === undefined ? { $ref: target } : { $ref: target, path } }
}

function invalid(message: string): Classified {
  return { kind: 'invalid', message }
}

export interface FoundRef {
  ref: StepRef
  /** Where it is, e.g. `input.docs[2]`. */
  at: string
}

export interface RefProblem {
  at: string
  message: string
}

/**
 * Every reference inside `value` and every malformed one, in document order. `at` names
 * the value (`input`, `params`). Linear in the size of `value`.
 */
export function findRefs(value: unknown, at: string): { refs: FoundRef[]; problems: RefProblem[] } {
  const refs: FoundRef[] = []
  const problems: RefProblem[] = []
  const walk = (node: unknown, where: string, depth: number): void => {
    if (node === null || typeof node !== 'object') return
    if (depth > MAX_STEP_JSON_DEPTH) {
      problems.push({ at: where, message: `nested deeper than ${MAX_STEP_JSON_DEPTH} levels` })
      return
    }
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) walk(item, `${where}[${i}]`, depth + 1)
      return
    }
    const c = classify(node)
    if (c.kind === 'ref') refs.push({ ref: c.ref, at: where })
    else if (c.kind === 'invalid') problems.push({ at: where, message: c.message })
    else if (c.kind === 'literal') {
      for (const [key, child] of Object.entries(node)) walk(child, `${where}.${key}`, depth + 1)
    }
  }
  walk(value, at, 0)
  return { refs, problems }
}

/** The step a reference reads from (undefined for `$item`). */
export function refTarget(ref: StepRef): string | undefined {
  if ('$ref' in ref) return ref.$ref
  if ('$cid' in ref) return ref.$cid
  return undefined
}

/** The ids of the steps `value` refers to, once each, in order of first mention. */
export function referencedSteps(value: unknown): string[] {
  const ids = new Set<string>()
  for (const { ref } of findRefs(value, '').refs) {
    const id = refTarget(ref)
    if (id !== undefined) ids.add(id)
  }
  return [...ids]
}

/** A finished step's output as the engine holds it. */
export interface StepOutput {
  /** The output itself; absent when it is stored only as a block and was not loaded. */
  value?: unknown
  /** The CID of its block, when it has one (always, for steps that a `$cid` names). */
  cid?: string | null | undefined
}

export interface ResolveContext {
  /** Outputs of the succeeded steps, by id. */
  outputs: ReadonlyMap<string, StepOutput>
  /** Inside a map step's template: the current item. */
  item?: { value: unknown } | undefined
}

export type Resolved = { ok: true; value: unknown } | { ok: false; error: TaskError }

/**
 * `value` with every reference replaced: `$ref` by the output (or the value at its
 * path), `$cid` by the output's CID as a string, `$item` by the current item (or a path
 * into it), `{ "$literal": v }` by `v`. Fails with INVALID_INPUT naming the step and
 * path when a path does not match, and when an output is missing; the spec was
 * validated, so a malformed reference here means a damaged spec and fails the same way.
 * Builds objects with `Object.fromEntries`, so a `__proto__` key stays a plain key.
 */
export function resolveRefs(value: unknown, context: ResolveContext): Resolved {
  try {
    return { ok: true, value: resolveNode(value, context, 0) }
  } catch (error) {
    if (error instanceof ResolveError)
      return { ok: false, error: { code: 'INVALID_INPUT', message: error.message } }
    throw error
  }
}

class ResolveError extends Error {}

function resolveNode(node: unknown, context: ResolveContext, depth: number): unknown {
  if (node === null || typeof node !== 'object') return node
  if (depth > MAX_STEP_JSON_DEPTH) throw new ResolveError(`nested deeper than ${MAX_STEP_JSON_DEPTH} levels`)
  if (Array.isArray(node)) return node.map((item) => resolveNode(item, context, depth + 1))
  const c = classify(node)
  if (c.kind === 'escaped') return c.value
  if (c.kind === 'invalid') throw new ResolveError(c.message)
  if (c.kind === 'ref') return resolveRef(c.ref, context)
  return Object.fromEntries(
    Object.entries(node).map(([key, child]) => [key, resolveNode(child, context, depth + 1)]),
  )
}

function resolveRef(ref: StepRef, context: ResolveContext): unknown {
  if ('$item' in ref) {
    if (context.item === undefined) throw new ResolveError('$item is only meaningful inside a map step')
    return atPath(context.item.value, ref.path, 'the current item')
  }
  const id = '$ref' in ref ? ref.$ref : ref.$cid
  const output = context.outputs.get(id)
  if (output === undefined) throw new ResolveError(`step "${id}" has no output (it has not succeeded)`)
  if ('$cid' in ref) {
    if (typeof output.cid !== 'string') throw new ResolveError(`step "${id}" has no CID for its output`)
    return output.cid
  }
  if (!('value' in output)) throw new ResolveError(`the output of step "${id}" was not loaded`)
  return atPath(output.value, ref.path, `the output of step "${id}"`)
}

function atPath(root: unknown, path: string | undefined, what: string): unknown {
  if (path === undefined) return root
  const parsed = parsePath(path)
  if (!parsed.ok) throw new ResolveError(`path ${JSON.stringify(path)} into ${what}: ${parsed.message}`)
  const found = lookupPath(root, parsed.segments)
  if (!found.ok) throw new ResolveError(`path ${path} does not match ${what}: ${found.message}`)
  return found.value
}
