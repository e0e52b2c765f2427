import { describe, expect, it } from 'vitest'
import { buildGraph, criticalPath, stepDependencyIds, topoOrder } from './dag.ts'
import type { StepSpec } from './types.ts'

const task = (id: string, input?: unknown, after?: string[]): StepSpec => ({
  id,
  type: 'task',
  kind: 'echo',
  input,
  ...(after === undefined ? {} : { after }),
})
const order = (steps: StepSpec[]) => {
  const graph = buildGraph(steps)
  const r = topoOrder(graph)
  return r.ok ? r.order.map((i) => graph.ids[i]) : r
}

describe('dependencies', () => {
  it('come from references anywhere in the step, then after, once each', () => {
    const map: StepSpec = {
      id: 'm',
      type: 'map',
      over: { $ref: 'list' },
      do: { type: 'tool', tool: 't', params: { a: { $item: true }, b: { $cid: 'model' } } },
      after: ['setup', 'list'],
    }
    expect(stepDependencyIds(map)).toEqual(['list', 'model', 'setup'])
    expect(stepDependencyIds(task('x', { a: [{ $ref: 'p', path: '$.y' }, { $ref: 'q' }] }))).toEqual([
      'p',
      'q',
    ])
  })
})

describe('topoOrder', () => {
  it('orders dependencies first, ties in submission order', () => {
    expect(order([task('c', { $ref: 'b' }), task('a'), task('b', null, ['a']), task('d')])).toEqual([
      'a',
      'd',
      'b',
      'c',
    ])
  })

  it('names a cycle in run order, starting from the step submitted first', () => {
    const steps = [
      task('start'),
      task('b', { $ref: 'a' }),
      task('c', { x: { $ref: 'b' } }),
      task('a', { $ref: 'start' }, ['c']),
      task('after-cycle', { $ref: 'c' }),
    ]
    expect(order(steps)).toEqual({ ok: false, cycle: ['b', 'c', 'a'] })
    expect(order([task('x', null, ['y']), task('y', null, ['x'])])).toEqual({ ok: false, cycle: ['x', 'y'] })
  })

  it('orders a 1,000-step chain submitted backwards', () => {
    const steps = Array.from({ length: 1000 }, (_, i) =>
      task(`s${999 - i}`, i === 999 ? null : { $ref: `s${998 - i}` }),
    )
    const result = order(steps) as string[]
    expect(result).toHaveLength(1000)
    expect(result[0]).toBe('s0')
    expect(result[999]).toBe('s999')
  })
})

describe('criticalPath', () => {
  const steps = [
    task('a'),
    task('fast', { $ref: 'a' }),
    task('slow', { $ref: 'a' }),
    task('join', [{ $ref: 'fast' }, { $ref: 'slow' }]),
    task('side'),
  ]
  const graph = buildGraph(steps)
  const topo = topoOrder(graph)
  if (!topo.ok) throw new Error('cycle')

  it('follows measured durations, estimating the rest', () => {
    const measured = new Map([
      ['a', 10],
      ['fast', 5],
      ['slow', 50],
    ])
    expect(criticalPath(graph, topo.order, { measured, estimateMs: () => 20 })).toEqual({
      steps: ['a', 'slow', 'join'],
      totalMs: 80,
    })
    const sideLong = new Map([['side', 1000]])
    expect(criticalPath(graph, topo.order, { measured: sideLong, estimateMs: () => 1 })).toEqual({
      steps: ['side'],
      totalMs: 1000,
    })
  })

  it('runs on to the last step of a chain whose tail took no measurable time', () => {
    const chain = buildGraph([task('x'), task('y', { $ref: 'x' }), task('z', { $ref: 'y' })])
    const chainOrder = topoOrder(chain)
    if (!chainOrder.ok) throw new Error('cycle')
    const measured = new Map([
      ['x', 7],
      ['y', 0],
      ['z', 0],
    ])
    expect(criticalPath(chain, chainOrder.order, { measured, estimateMs: () => 1 })).toEqual({
      steps: ['x', 'y', 'z'],
      totalMs: 7,
    })
  })

  it('breaks ties by submission order', () => {
    expect(criticalPath(graph, topo.order, { measured: new Map(), estimateMs: () => 1 }).steps).toEqual([
      'a',
      'fast',
      'join',
    ])
  })
})
