import { z } from 'zod'
import { READS } from '../../../shared/tool/annotations.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { freeForm } from '../../../shared/tool/free-form.ts'
import type { GraphStore } from './graph-store.ts'
import { MAX_LISTED, MAX_LISTED_IDS, MAX_NODE_ID } from './limits.ts'

const fmt = (n: number) => n.toLocaleString('en')
const name = z.string().min(1).max(64).describe('Graph name')
const nodeId = z.string().min(1).max(MAX_NODE_ID)
const node = z.object({ id: z.string(), attributes: z.record(z.string(), z.unknown()) })
const limit = (fallback: number) =>
  z
    .number()
    .int()
    .min(1)
    .max(MAX_LISTED)
    .default(fallback)
    .describe(`At most ${fmt(MAX_LISTED)}`)

export function graphQueryTools(store: GraphStore) {
  const neighbors = defineTool({
    name: 'graph_neighbors',
    category: 'graph',
    description:
      'The neighbours of a node (the nodes connected to it by an edge: outgoing, incoming or both) with their properties, sorted by id',
    input: z.object({
      name,
      node: nodeId.describe('Node id'),
      direction: z
        .enum(['out', 'in', 'all'])
        .default('all')
        .describe('out: nodes it points to, in: nodes pointing to it, all: both'),
      limit: limit(100),
    }),
    output: z.object({
      node: z.string(),
      total: z.number().int().describe('All neighbours, listed or not'),
      neighbors: z.array(node),
    }),
    annotations: { title: 'Neighbours of a node', ...READS },
    handlers: { local: (input, ctx) => store.run('neighbors', input, ctx.signal) },
  })

  const find = defineTool({
    name: 'graph_find_nodes',
    category: 'graph',
    description:
      'Nodes whose properties equal all the given values (a property pattern), optionally with a minimum degree',
    input: z.object({
      name,
      where: freeForm(
        z.record(z.string().max(256), z.unknown()),
        'Property → required value, your own property names (at most 32)',
      )
        .refine((w) => Object.keys(w).length <= 32, { message: 'at most 32 properties' })
        .default({}),
      minDegree: z.number().int().min(0).default(0).describe('Only nodes with at least this many edges'),
      limit: limit(100),
    }),
    output: z.object({ nodes: z.array(node.extend({ degree: z.number().int() })), total: z.number().int() }),
    annotations: { title: 'Find nodes by pattern', ...READS },
    handlers: { local: (input, ctx) => store.run('find', input, ctx.signal) },
  })

  const shortest = defineTool({
    name: 'graph_shortest_path',
    category: 'graph',
    description: 'Shortest path between two nodes, by hops or by the edges\' "weight" property (Dijkstra)',
    input: z.object({
      name,
      source: nodeId.describe('Start node id'),
      target: nodeId.describe('End node id'),
      weighted: z
        .boolean()
        .default(false)
        .describe('Minimise the sum of the edges\' "weight" property (default 1) instead of hops'),
    }),
    output: z.object({
      found: z.boolean(),
      path: z.array(z.string()).describe(`The first ${fmt(MAX_LISTED_IDS)} nodes of the path`),
      hops: z.number().int(),
      cost: z.number().nullable(),
      truncated: z.boolean().describe('The path is longer than the nodes listed'),
    }),
    annotations: { title: 'Shortest path', ...READS },
    handlers: { local: (input, ctx) => store.run('shortest', input, ctx.signal) },
  })

  const rank = defineTool({
    name: 'graph_pagerank',
    category: 'graph',
    description: 'PageRank centrality of every node, highest first',
    input: z.object({
      name,
      alpha: z.number().gt(0).lt(1).default(0.85).describe('Damping factor'),
      weighted: z.boolean().default(false).describe('Use the edges\' "weight" property'),
      limit: limit(20),
    }),
    output: z.object({ scores: z.array(z.object({ id: z.string(), score: z.number() })) }),
    annotations: { title: 'PageRank', ...READS },
    handlers: { local: (input, ctx) => store.run('pagerank', input, ctx.signal) },
  })

  const connected = defineTool({
    name: 'graph_components',
    category: 'graph',
    description: `Connected components (clusters of nodes linked by edges, edge direction ignored), largest first; at most ${fmt(MAX_LISTED_IDS)} node ids are listed in all`,
    input: z.object({ name, limit: limit(100).describe(`Components listed, at most ${fmt(MAX_LISTED)}`) }),
    output: z.object({
      count: z.number().int(),
      sizes: z.array(z.number().int()).describe('Node count of each listed component'),
      components: z.array(z.array(z.string())).describe('Node ids of each listed component, sorted'),
      truncated: z.boolean().describe('Some components or node ids are not listed'),
    }),
    annotations: { title: 'Connected components', ...READS },
    handlers: { local: (input, ctx) => store.run('components', input, ctx.signal) },
  })

  return [neighbors, find, shortest, rank, connected]
}
