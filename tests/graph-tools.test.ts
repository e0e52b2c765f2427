import { beforeAll, describe, expect, it } from 'vitest'
import { connectClient, errorMeta, startTestRelay, toolHarness } from './helpers.ts'

const h = toolHarness()
const { call, ok } = h

describe('graph tools', () => {
  beforeAll(async () => {
    await ok('graph_create', { name: 'city', type: 'directed' })
    await ok('graph_add', {
      name: 'city',
      nodes: [
        { id: 'a', attributes: { kind: 'station' } },
        { id: 'b', attributes: { kind: 'stop' } },
        { id: 'z', attributes: { kind: 'station' } },
      ],
      edges: [
        { source: 'a', target: 'b', attributes: { weight: 1 } },
        { source: 'b', target: 'c', attributes: { weight: 5 } },
        { source: 'a', target: 'c', attributes: { weight: 10 } },
      ],
    })
  })

  it('builds a graph, creating edge endpoints, and lists it', async () => {
    expect(await ok('graph_list', {})).toEqual({
      graphs: [{ name: 'city', type: 'directed', nodes: 4, edges: 3 }],
    })
    const again = await ok('graph_add', { name: 'city', edges: [{ source: 'a', target: 'b' }] })
    expect(again).toMatchObject({ addedNodes: 0, addedEdges: 0, edges: 3 })
  })

  it('answers neighbours and property patterns', async () => {
    const out = await ok('graph_neighbors', { name: 'city', node: 'a', direction: 'out' })
    expect(out.neighbors.map((n: any) => n.id)).toEqual(['b', 'c'])
    expect(await ok('graph_neighbors', { name: 'city', node: 'a', limit: 1 })).toMatchObject({
      total: 2,
      neighbors: [{ id: 'b' }],
    })
    expect(
      (await ok('graph_neighbors', { name: 'city', node: 'c', direction: 'in' })).neighbors.map(
        (n: any) => n.id,
      ),
    ).toEqual(['a', 'b'])
    const stations = await ok('graph_find_nodes', { name: 'city', where: { kind: 'station' } })
    expect(stations.nodes.map((n: any) => [n.id, n.degree])).toEqual([
      ['a', 2],
      ['z', 0],
    ])
  })

  it('finds shortest paths by hops and by weight', async () => {
    expect(await ok('graph_shortest_path', { name: 'city', source: 'a', target: 'c' })).toEqual({
      found: true,
      path: ['a', 'c'],
      hops: 1,
      cost: 1,
      truncated: false,
    })
    expect(
      await ok('graph_shortest_path', { name: 'city', source: 'a', target: 'c', weighted: true }),
    ).toEqual({
      found: true,
      path: ['a', 'b', 'c'],
      hops: 2,
      cost: 6,
      truncated: false,
    })
    expect(await ok('graph_shortest_path', { name: 'city', source: 'c', target: 'a' })).toMatchObject({
      found: false,
    })
  })

  it('ranks nodes with PageRank and finds connected components', async () => {
    const { scores } = await ok('graph_pagerank', { name: 'city' })
    expect(scores[0].id).toBe('c')
    expect(scores.reduce((sum: number, s: any) => sum + s.score, 0)).toBeCloseTo(1, 6)
    expect(scores.find((s: any) => s.id === 'b').score).toBeGreaterThan(
      scores.find((s: any) => s.id === 'a').score,
    )
    expect(await ok('graph_components', { name: 'city' })).toEqual({
      count: 2,
      sizes: [3, 1],
      components: [['a', 'b', 'c'], ['z']],
      truncated: false,
    })
    expect(await ok('graph_components', { name: 'city', limit: 1 })).toMatchObject({
      count: 2,
      components: [['a', 'b', 'c']],
      truncated: true,
    })
  })

  it('refuses an edge weight given beside attributes, naming it, so no path is costed without it', async () => {
    await ok('graph_create', { name: 'roads' })
    const edges = [
      { source: 'A', target: 'B', weight: 1 },
      { source: 'B', target: 'C', weight: 1 },
      { source: 'C', target: 'D', weight: 3 },
      { source: 'A', target: 'C', weight: 10 },
    ]
    const misplaced = await call('graph_add', { name: 'roads', edges })
    expect(errorMeta(misplaced)).toMatchObject({
      code: 'INVALID_PARAMS',
      problems: [
        { param: 'edges[0].weight', problem: 'unknown parameter' },
        { param: 'edges[1].weight', problem: 'unknown parameter' },
        { param: 'edges[2].weight', problem: 'unknown parameter' },
        { param: 'edges[3].weight', problem: 'unknown parameter' },
      ],
    })
    expect(misplaced.content).toEqual([
      expect.objectContaining({ text: expect.stringContaining('edges[0].weight: unknown parameter') }),
    ])
    expect(await ok('graph_list', {})).toMatchObject({
      graphs: expect.arrayContaining([{ name: 'roads', type: 'directed', nodes: 0, edges: 0 }]),
    })
    await ok('graph_add', {
      name: 'roads',
      edges: edges.map(({ weight, ...edge }) => ({ ...edge, attributes: { weight } })),
    })
    expect(
      await ok('graph_shortest_path', { name: 'roads', source: 'A', target: 'D', weighted: true }),
    ).toEqual({
      found: true,
      path: ['A', 'B', 'C', 'D'],
      hops: 3,
      cost: 5,
      truncated: false,
    })
    await ok('graph_delete', { name: 'roads' })
  })

  it('round-trips through JSON export and import, and keeps graphs across restarts', async () => {
    const { graph } = await ok('graph_export', { name: 'city' })
    await ok('graph_import', { name: 'copy', graph })
    expect((await ok('graph_export', { name: 'copy' })).graph).toEqual(graph)
    const first = await startTestRelay()
    const { dataDir } = first.components.config
    const c1 = await connectClient(first.url)
    await c1.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'graph_import', params: { name: 'kept', graph } },
    })
    await c1.close()
    await first.close()
    const restarted = await startTestRelay({ dataDir })
    try {
      const c = await connectClient(restarted.url)
      const listed = await c.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'graph_list', params: {} },
      })
      expect((listed.structuredContent as any).result.graphs).toEqual([
        { name: 'kept', type: 'directed', nodes: 4, edges: 3 },
      ])
      await c.close()
    } finally {
      await restarted.close()
    }
  })

  it('names bad input: unknown graph, unknown node, bad name, garbage import, existing graph', async () => {
    expect(errorMeta(await call('graph_neighbors', { name: 'nope', node: 'a' })).code).toBe('NOT_FOUND')
    expect(errorMeta(await call('graph_neighbors', { name: 'city', node: 'q' })).problems[0].param).toBe(
      'node',
    )
    expect(errorMeta(await call('graph_create', { name: '../escape' })).problems[0].param).toBe('name')
    expect(
      errorMeta(await call('graph_import', { name: 'bad', graph: { nodes: 'x' } })).problems[0].param,
    ).toBe('graph')
    expect(errorMeta(await call('graph_create', { name: 'city' })).code).toBe('CONFLICT')
    expect(await ok('graph_delete', { name: 'copy' })).toEqual({ name: 'copy', deleted: true })
    // One delete rule for every named store (NamedFileStore): an unknown name is NOT_FOUND.
    expect(errorMeta(await call('graph_delete', { name: 'copy' })).code).toBe('NOT_FOUND')
  })
})
