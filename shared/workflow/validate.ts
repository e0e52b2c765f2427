import { McppError } from '../errors.ts'
import { buildGraph, type StepGraph, stepRefs, topoOrder } from './dag.ts'
import { classify, findRefs, refTarget, resolveRefs } from './refs.ts'
import type { StepSpec, WorkflowSpec } from './types.ts'

/**
 * The checks that refuse a workflow before anything runs (issue 12), each error naming
 * its step. Linear in steps + references (+ the catalog's own checks): ids are looked
 * up in a Map, the DAG is ordered by Kahn's algorithm, and the cycle search visits each
 * step once.
 */

/** What the relay knows about tools and kinds, injected so this stays pure. */
export interface WorkflowCatalog {
  hasTool(name: string): boolean
  hasKind(kind: string): boolean
  /**
   * Error text when `params` fail `tool`'s input schema, else undefined. `deferred`
   * lists the top-level keys left out of `params` because their values hold references,
   * known only when the step runs: the check must treat them as optional (e.g.
   * `schema.partial({ [key]: true })`) and must not refuse params that could be valid
   * once they have values.
   */
  checkParams(tool: string, params: Record<string, unknown>, deferred: readonly string[]): string | undefined
}

export type WorkflowErrorCode =
  | 'DUPLICATE_ID'
  | 'UNKNOWN_STEP'
  | 'SELF_REFERENCE'
  | 'CYCLE'
  | 'BAD_MAP_OVER'
  | 'ITEM_OUTSIDE_MAP'
  | 'BAD_REFERENCE'
  | 'UNKNOWN_TOOL'
  | 'UNKNOWN_KIND'
  | 'INVALID_PARAMS'

export interface WorkflowError {
  step?: string
  code: WorkflowErrorCode
  message: string
  /** CYCLE: the steps in run order. */
  cycle?: string[]
}

/** What the engine runs from: the steps, their graph and a topological order. */
export interface WorkflowPlan {
  steps: readonly StepSpec[]
  graph: StepGraph
  /** Step positions, dependencies first (deterministic). */
  order: readonly number[]
  /** Steps a `$cid` names: the engine keeps a CID for their output even when it is small. */
  cidTargets: ReadonlySet<string>
}

export type WorkflowValidation =
  | { ok: true; plan: WorkflowPlan }
  | { ok: false; errors: WorkflowError[]; omitted: number }

/** Errors reported in full; the rest are only counted (a 1,000-step spec can have 1,000). */
export const MAX_REPORTED_ERRORS = 20

export function validateWorkflow(spec: WorkflowSpec, catalog: WorkflowCatalog): WorkflowValidation {
  const errors: WorkflowError[] = []
  const steps = spec.steps
  const firstAt = new Map<string, number>()
  steps.forEach((step, i) => {
    const first = firstAt.get(step.id)
    if (first === undefined) firstAt.set(step.id, i)
    else {
      errors.push({
        step: step.id,
        code: 'DUPLICATE_ID',
        message: `steps[${first}] and steps[${i}] both have the id "${step.id}"`,
      })
    }
  })
  const cidTargets = new Set<string>()
  for (const step of steps) {
    checkReferences(step, firstAt, cidTargets, errors)
    checkRunnable(step, catalog, errors)
  }
  const graph = buildGraph(steps)
  const topo = topoOrder(graph)
  if (!topo.ok) {
    const loop = [...topo.cycle, topo.cycle[0]].join(' → ')
    errors.push({
      step: topo.cycle[0] as string,
      code: 'CYCLE',
      message: `steps form a cycle: ${loop}`,
      cycle: topo.cycle,
    })
  }
  if (errors.length > 0 || !topo.ok) {
    return {
      ok: false,
      errors: errors.slice(0, MAX_REPORTED_ERRORS),
      omitted: Math.max(0, errors.length - MAX_REPORTED_ERRORS),
    }
  }
  return { ok: true, plan: { steps, graph, order: topo.order, cidTargets } }
}

function checkReferences(
  step: StepSpec,
  known: ReadonlyMap<string, number>,
  cidTargets: Set<string>,
  errors: WorkflowError[],
): void {
  const { refs, problems } = stepRefs(step)
  for (const { at, message } of problems) {
    const code = at === 'over' ? 'BAD_MAP_OVER' : 'BAD_REFERENCE'
    errors.push({ step: step.id, code, message: `${at}: ${message}` })
  }
  for (const { ref, at } of refs) {
    const target = refTarget(ref)
    if (target === undefined) {
      // `$item` belongs in a map's template (`do.input`, `do.params`) only.
      if (!at.startsWith('do.')) {
        errors.push({
          step: step.id,
          code: 'ITEM_OUTSIDE_MAP',
          message: `${at}: $item is only meaningful inside a map step's do`,
        })
      }
      continue
    }
    if ('$cid' in ref) cidTargets.add(target)
    if (at === 'over' && (target === step.id || !known.has(target))) {
      const why = target === step.id ? 'itself' : `"${target}", which is not a step`
      errors.push({
        step: step.id,
        code: 'BAD_MAP_OVER',
        message: `over must name an earlier step's output, not ${why}`,
      })
    } else checkTarget(step, target, at, known, errors)
  }
  for (const [i, target] of (step.after ?? []).entries())
    checkTarget(step, target, `after[${i}]`, known, errors)
}

function checkTarget(
  step: StepSpec,
  target: string,
  at: string,
  known: ReadonlyMap<string, number>,
  errors: WorkflowError[],
): void {
  if (target === step.id) {
    errors.push({ step: step.id, code: 'SELF_REFERENCE', message: `${at}: a step cannot depend on itself` })
  } else if (!known.has(target)) {
    errors.push({ step: step.id, code: 'UNKNOWN_STEP', message: `${at}: there is no step "${target}"` })
  }
}

function checkRunnable(step: StepSpec, catalog: WorkflowCatalog, errors: WorkflowError[]): void {
  const body = step.type === 'map' ? step.do : step
  const where = step.type === 'map' ? 'do.' : ''
  if (body.type === 'task') {
    if (!catalog.hasKind(body.kind)) {
      errors.push({
        step: step.id,
        code: 'UNKNOWN_KIND',
        message: `${where}kind: no worker runs "${body.kind}"`,
      })
    }
    return
  }
  if (!catalog.hasTool(body.tool)) {
    errors.push({
      step: step.id,
      code: 'UNKNOWN_TOOL',
      message: `${where}tool: there is no tool "${body.tool}"`,
    })
    return
  }
  const literal = literalParams(body.params)
  if (literal === undefined) return
  const problem = catalog.checkParams(body.tool, literal.params, literal.deferred)
  if (problem !== undefined) {
    const note =
      literal.deferred.length > 0 ? ` (${literal.deferred.join(', ')} checked when the step runs)` : ''
    errors.push({ step: step.id, code: 'INVALID_PARAMS', message: `${where}params: ${problem}${note}` })
  }
}

/**
 * The part of a tool step's params that can be checked now: every top-level key whose
 * value holds no reference, with `$literal` escapes unwrapped as the tool will see
 * them. Keys whose values hold references (at any depth) are deferred whole: their
 * values exist only when the step runs, and the router checks the resolved params
 * against the tool's schema then, like any tool call. Undefined when the params are
 * themselves one reference (nothing to check before the run). Malformed references
 * are reported by checkReferences.
 */
export function literalParams(
  params: Record<string, unknown> | undefined,
): { params: Record<string, unknown>; deferred: string[] } | undefined {
  if (params === undefined) return { params: {}, deferred: [] }
  const whole = classify(params)
  if (whole.kind === 'ref' || whole.kind === 'invalid') return undefined
  if (whole.kind === 'escaped') {
    const value = whole.value
    const isRecord = value !== null && typeof value === 'object' && !Array.isArray(value)
    return isRecord ? { params: value as Record<string, unknown>, deferred: [] } : undefined
  }
  const checked: Record<string, unknown> = {}
  const deferred: string[] = []
  for (const [key, value] of Object.entries(params)) {
    const found = findRefs(value, key)
    if (found.refs.length > 0 || found.problems.length > 0) {
      deferred.push(key)
      continue
    }
    const resolved = resolveRefs(value, { outputs: new Map() })
    // defineProperty: a `__proto__` key stays a plain key.
    if (resolved.ok) {
      Object.defineProperty(checked, key, {
        value: resolved.value,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
  }
  return { params: checked, deferred }
}

/** The error a tool returns for a refused workflow: INVALID_PARAMS, every error in details. */
export function workflowRejected(errors: readonly WorkflowError[], omitted = 0): McppError {
  const first = errors[0]
  const head =
    first === undefined
      ? 'invalid workflow'
      : `${first.step === undefined ? '' : `step "${first.step}": `}${first.message}`
  const more = errors.length - 1 + omitted
  return new McppError(
    'INVALID_PARAMS',
    `invalid workflow: ${head}${more > 0 ? ` (and ${more} more)` : ''}`,
    {
      errors,
      ...(omitted > 0 ? { omitted } : {}),
    },
  )
}
