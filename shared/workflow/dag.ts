import { classify, type FoundRef, findRefs, type RefProblem, refTarget } from './refs.ts'
import type { StepSpec } from './types.ts'

/**
 * A workflow's steps as a graph: each step's dependencies (the steps its references
 * name, plus `after`), a deterministic topological order, the cycle when there is one,
 * and the critical path. Every function here is linear in steps + edges (+ the size of
 * the inputs scanned for references), so a 1,000-step chain or a 1,000-wide fan-out
 * costs the same few thousand operations.
 */

/** The references in a step, with where they are (`input.x`, `do.params.y`, `over`). */
export function stepRefs(step: StepSpec): { refs: FoundRef[]; problems: RefProblem[] } {
  const refs: FoundRef[] = []
  const problems: RefProblem[] = []
  const scan = (value: unknown, at: string) => {
    const found = findRefs(value, at)
    refs.push(...found.refs)
    problems.push(...found.problems)
  }
  if (step.type === 'task') scan(step.input, 'input')
  else if (step.type === 'tool') scan(step.params, 'params')
  else {
    const over = classify(step.over)
    if (over.kind === 'ref' && '$ref' in over.ref) refs.push({ ref: over.ref, at: 'over' })
    else problems.push({ at: 'over', message: over.kind === 'invalid' ? over.message : 'must be a $ref' })
    if (step.do.type === 'task') scan(step.do.input, 'do.input')
    else scan(step.do.params, 'do.params')
  }
  return { refs, problems }
}

/** The ids a step depends on, once each: references first (document order), then `after`. */
export function stepDependencyIds(step: StepSpec): string[] {
  const ids = new Set<string>()
  for (const { ref } of stepRefs(step).refs) {
    const id = refTarget(ref)
    if (id !== undefined) ids.add(id)
  }
  for (const id of step.after ?? []) ids.add(id)
  return [...ids]
}

export interface StepGraph {
  /** Step ids in submission order; a step is known by its position here. */
  ids: readonly string[]
  index: ReadonlyMap<string, number>
  /** Per step: the positions of its dependencies, once each, ascending. */
  deps: readonly (readonly number[])[]
  /** Per step: the positions of the steps that depend on it, ascending. */
  dependents: readonly (readonly number[])[]
}

/**
 * The graph of `steps`. Dependencies on ids that are not steps and on the step itself
 * are left out (validate.ts reports them); a duplicate id counts as its first step.
 */
export function buildGraph(steps: readonly StepSpec[]): StepGraph {
  const ids = steps.map((s) => s.id)
  const index = new Map<string, number>()
  ids.forEach((id, i) => {
    if (!index.has(id)) index.set(id, i)
  })
  const dependents: number[][] = ids.map(() => [])
  const deps = steps.map((step, i) => {
    const known = new Set<number>()
    for (const id of stepDependencyIds(step)) {
      const j = index.get(id)
      if (j !== undefined && j !== i) known.add(j)
    }
    const sorted = [...known].sort((a, b) => a - b)
    for (const j of sorted) dependents[j]?.push(i)
    return sorted
  })
  // Pushed in ascending i above, so each list is already sorted.
  return { ids, index, deps, dependents }
}

export type TopoResult = { ok: true; order: number[] } | { ok: false; cycle: string[] }

/**
 * A topological order (Kahn's algorithm, ready steps taken in submission order, so the
 * same spec always gives the same order), or one cycle: its steps in the order they
 * would run (each feeds the next, the last feeds the first), starting from the one
 * submitted first.
 */
export function topoOrder(graph: StepGraph): TopoResult {
  const n = graph.ids.length
  const waiting = graph.deps.map((d) => d.length)
  const order: number[] = []
  for (let i = 0; i < n; i++) if (waiting[i] === 0) order.push(i)
  for (let head = 0; head < order.length; head++) {
    for (const j of graph.dependents[order[head] as number] ?? []) {
      waiting[j] = (waiting[j] as number) - 1
      if (waiting[j] === 0) order.push(j)
    }
  }
  if (order.length === n) return { ok: true, order }
  return { ok: false, cycle: findCycle(graph, waiting) }
}

/**
 * Every step Kahn left (`waiting > 0`) has a dependency that was also left, so walking
 * dependencies from one of them must come back to a step already seen: that loop is a
 * cycle. Linear: each step is visited at most once.
 */
function findCycle(graph: StepGraph, waiting: readonly number[]): string[] {
  const left = (i: number) => (waiting[i] as number) > 0
  const start = waiting.findIndex((w) => w > 0)
  const seenAt = new Map<number, number>()
  const walk: number[] = []
  let at = start
  while (!seenAt.has(at)) {
    seenAt.set(at, walk.length)
    walk.push(at)
    at = (graph.deps[at] ?? []).find(left) as number
  }
  // `walk` follows dependencies (each depends on the next); the run order is its reverse.
  const loop = walk.slice(seenAt.get(at)).reverse()
  const first = loop.indexOf(Math.min(...loop))
  return [...loop.slice(first), ...loop.slice(0, first)].map((i) => graph.ids[i] as string)
}

export interface CriticalPath {
  /** Step ids from the first to run to the last. */
  steps: string[]
  /** The sum of their durations. */
  totalMs: number
}

/**
 * The longest path through the DAG by duration: measured durations where known, else
 * the caller's estimate. Ties go to the step submitted first, except that the path runs
 * on through steps of zero duration that follow its end. `order` is a topological
 * order from topoOrder. Linear in steps + edges.
 */
export function criticalPath(
  graph: StepGraph,
  order: readonly number[],
  duration: { measured: ReadonlyMap<string, number>; estimateMs: (id: string) => number },
): CriticalPath {
  const n = graph.ids.length
  if (n === 0) return { steps: [], totalMs: 0 }
  const finish = new Array<number>(n).fill(0)
  const via = new Array<number>(n).fill(-1)
  for (const i of order) {
    const id = graph.ids[i] as string
    let best = -1
    for (const d of graph.deps[i] ?? []) {
      if (best === -1 || (finish[d] as number) > (finish[best] as number)) best = d
    }
    via[i] = best
    const own = Math.max(0, duration.measured.get(id) ?? duration.estimateMs(id))
    finish[i] = own + (best === -1 ? 0 : (finish[best] as number))
  }
  let end = 0
  for (let i = 1; i < n; i++) if ((finish[i] as number) > (finish[end] as number)) end = i
  // A step after the end that took no measurable time (a quick tool call within the
  // clock's millisecond) finishes the same path at the same moment: the path goes on
  // through it, so a chain's path always runs to its last step.
  for (;;) {
    const last = end
    const next = (graph.dependents[last] ?? []).find((j) => via[j] === last && finish[j] === finish[last])
    if (next === undefined) break
    end = next
  }
  const steps: string[] = []
  for (let i = end; i !== -1; i = via[i] as number) steps.push(graph.ids[i] as string)
  return { steps: steps.reverse(), totalMs: finish[end] as number }
}
