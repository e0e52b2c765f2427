import { describe, expect, it } from 'vitest'
import { buildGraph, topoOrder } from './dag.ts'
import { mapItems, planMap, type ScheduleInput, schedule } from './plan.ts'
import type { FailurePolicy, StepSpec, StepState } from './types.ts'

const task = (id: string, deps: string[] = [], priority?: number): StepSpec => ({
  id,
  type: 'task',
  kind: 'echo',
  after: deps,
  ...(priority === undefined ? {} : { priority }),
})
const planOf = (steps: StepSpec[]) => {
  const graph = buildGraph(steps)
  const topo = topoOrder(graph)
  if (!topo.ok) throw new Error('cycle')
  return { steps, graph, order: topo.order }
}
const decide = (
  steps: StepSpec[],
  states: Record<string, StepState>,
  onFailure: FailurePolicy = 'fail-fast',
  extra: Partial<ScheduleInput> = {},
) =>
  schedule({
    plan: planOf(steps),
    states: new Map(Object.entries(states)),
    onFailure,
    cancelRequested: false,
    ...extra,
  })

// a → b → d, a → c → d, e alone
const diamond = [task('a'), task('b', ['a']), task('c', ['a']), task('d', ['b', 'c']), task('e')]

describe('schedule', () => {
  it('starts the steps whose dependencies all succeeded, by priority then submission order', () => {
    expect(decide(diamond, {})).toEqual({ start: ['a', 'e'], skip: [], cancel: [], state: 'running' })
    expect(decide(diamond, { a: 'succeeded', e: 'running' }).start).toEqual(['b', 'c'])
    const prioritised = [task('a'), task('b', [], 5), task('c', [], -1), task('d', [], 5)]
    expect(decide(prioritised, {}).start).toEqual(['b', 'd', 'a', 'c'])
    expect(decide(diamond, { a: 'succeeded', b: 'succeeded', c: 'running', e: 'succeeded' }).start).toEqual(
      [],
    )
  })

  it('keeps within the running limit', () => {
    expect(decide(diamond, { a: 'succeeded', e: 'running' }, 'fail-fast', { maxRunning: 2 }).start).toEqual([
      'b',
    ])
    expect(decide(diamond, { a: 'succeeded', e: 'running' }, 'fail-fast', { maxRunning: 1 }).start).toEqual(
      [],
    )
  })

  it('under fail-fast, the first failure cancels every pending and running step', () => {
    expect(decide(diamond, { a: 'succeeded', b: 'failed', c: 'running', e: 'running' })).toEqual({
      start: [],
      skip: [],
      cancel: ['c', 'd', 'e'],
      state: 'failed',
    })
  })

  it('under continue, skips everything downstream of a failure and runs the rest', () => {
    expect(decide(diamond, { a: 'succeeded', b: 'failed', c: 'running' }, 'continue')).toEqual({
      start: ['e'],
      skip: ['d'],
      cancel: [],
      state: 'running',
    })
    const chain = [task('a'), task('b', ['a']), task('c', ['b']), task('x')]
    expect(decide(chain, { a: 'failed', x: 'succeeded' }, 'continue')).toEqual({
      start: [],
      skip: ['b', 'c'],
      cancel: [],
      state: 'failed',
    })
  })

  it('cancels everything not final when cancelled by request, ending cancelled', () => {
    expect(
      decide(diamond, { a: 'succeeded', b: 'running', c: 'failed' }, 'continue', { cancelRequested: true }),
    ).toEqual({ start: [], skip: [], cancel: ['b', 'd', 'e'], state: 'cancelled' })
  })

  it('ends succeeded only when every step succeeded', () => {
    const all = Object.fromEntries(diamond.map((s) => [s.id, 'succeeded' as StepState]))
    expect(decide(diamond, all).state).toBe('succeeded')
    expect(decide(diamond, { ...all, e: 'running' }).state).toBe('running')
    expect(decide(diamond, { ...all, e: 'cancelled' }, 'continue').state).toBe('cancelled')
    expect(decide(diamond, { ...all, b: 'failed', d: 'skipped' }, 'continue').state).toBe('failed')
  })

  it('runs a 1,000-step chain one step at a time and a 1,000-wide fan-out at once', () => {
    const chain = Array.from({ length: 1000 }, (_, i) => task(`s${i}`, i === 0 ? [] : [`s${i - 1}`]))
    const done = Object.fromEntries(chain.slice(0, 500).map((s) => [s.id, 'succeeded' as StepState]))
    expect(decide(chain, done).start).toEqual(['s500'])
    const failedMidway = decide(chain, { ...done, s500: 'failed' }, 'continue')
    expect([failedMidway.skip.length, failedMidway.skip[0], failedMidway.state]).toEqual([
      499,
      's501',
      'failed',
    ])
    const fan = [task('root'), ...Array.from({ length: 1000 }, (_, i) => task(`leaf${i}`, ['root']))]
    expect(decide(fan, { root: 'succeeded' }).start).toHaveLength(1000)
  })
})

describe('planMap', () => {
  const progress = { total: 100, started: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 }

  it('starts items in order up to the parallelism', () => {
    expect(planMap(progress, 16)).toEqual({
      start: { from: 0, count: 16 },
      cancelRunning: false,
      state: 'running',
    })
    expect(planMap({ ...progress, started: 20, running: 14, succeeded: 6 }, 16)).toEqual({
      start: { from: 20, count: 2 },
      cancelRunning: false,
      state: 'running',
    })
    expect(planMap({ ...progress, started: 100, running: 3, succeeded: 97 }, 16).start.count).toBe(0)
  })

  it('succeeds when every item succeeded, at once for an empty list', () => {
    expect(planMap({ ...progress, started: 100, succeeded: 100 }, 16).state).toBe('succeeded')
    expect(planMap({ ...progress, total: 0 }, 16)).toEqual({
      start: { from: 0, count: 0 },
      cancelRunning: false,
      state: 'succeeded',
    })
  })

  it('fails as soon as an item failed after its retries, cancelling the running ones', () => {
    expect(planMap({ ...progress, started: 30, running: 10, succeeded: 19, failed: 1 }, 16)).toEqual({
      start: { from: 30, count: 0 },
      cancelRunning: true,
      state: 'failed',
    })
    expect(planMap({ ...progress, started: 30, running: 0, succeeded: 29, cancelled: 1 }, 16).state).toBe(
      'cancelled',
    )
  })

  it('walks 10,000 items with parallelism 16 and never exceeds it', () => {
    let p = { ...progress, total: 10_000 }
    let decisions = 0
    for (;;) {
      const d = planMap(p, 16)
      if (d.state !== 'running') break
      decisions++
      // The engine starts the items, then one of them succeeds.
      p = { ...p, started: p.started + d.start.count, running: p.running + d.start.count }
      expect(p.running).toBeLessThanOrEqual(16)
      p = { ...p, running: p.running - 1, succeeded: p.succeeded + 1 }
    }
    expect(p.succeeded).toBe(10_000)
    expect(decisions).toBe(10_000)
  })
})

describe('mapItems', () => {
  it('accepts a list and refuses anything else', () => {
    expect(mapItems([1, 2])).toEqual({ ok: true, items: [1, 2] })
    expect(mapItems({ a: 1 })).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'a map runs over a list, and over is an object' },
    })
    expect(mapItems(null)).toMatchObject({ ok: false })
    expect(mapItems(new Array(10_001).fill(0))).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    })
  })
})
