import type { SerializedGraph } from 'graphology-types'
import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { READS } from '../../../shared/tool/annotations.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import type { GraphStore } from './graph-store.ts'
import { type Graph, graphology } from './graphology.ts'

const name = z.string().min(1).max(64).describe('Graph name')
const attributes = z.record(z.string(), z.unknown())
const summary = z.object({
  name: z.string(),
  type: z.string(),
  nodes: z.number().int(),
  edges: z.number().int(),
})
const MUTATES = { readOnlyHint: false, destructiveHint: false, openWorldHint: false } as const

const describe = (graphName: string, g: Graph) => ({
  name: graphName,
  type: g.type,
  nodes: g.order,
  edges: g.size,
})

export function graphBuildTools(store: GraphStore) {
  const create = defineTool({
    name: 'graph_create',
    category: 'graph',
    description: 'Create an empty named graph (directed, undirected or mixed), stored in the data directory',
    input: z.object({
      name,
      type: z.enum(['directed', 'undirected', 'mixed']).default('directed'),
      multi: z.boolean().default(false).describe('Allow several edges between the same nodes'),
      overwrite: z.boolean().default(false),
    }),
    output: summary,
    annotations: { title: 'Create a graph', ...MUTATES, idempotentHint: false },
    handlers: {
      local: async (input) => {
        if (store.exists(input.name) && !input.overwrite) {
          throw new McppError('CONFLICT', `graph "${input.name}" exists (pass overwrite: true to replace it)`)
        }
        const { Graph } = await graphology()
        const graph = new Graph({ type: input.type, multi: input.multi })
        await store.put(input.name, graph)
        return describe(input.name, graph)
      },
    },
  })

  const add = defineTool({
    name: 'graph_add',
    category: 'graph',
    description:
      'Add or update nodes and edges with properties; edges create missing endpoints, a "weight" property weights paths',
    input: z.object({
      name,
      nodes: z
        .array(z.object({ id: z.string().min(1), attributes: attributes.optional() }))
        .max(100_000)
        .default([]),
      edges: z
        .array(
          z.object({
            source: z.string().min(1),
            target: z.string().min(1),
            attributes: attributes.optional(),
          }),
        )
        .max(100_000)
        .default([]),
    }),
    output: summary.extend({ addedNodes: z.number().int(), addedEdges: z.number().int() }),
    annotations: { title: 'Add nodes and edges', ...MUTATES, idempotentHint: true },
    handlers: {
      local: async (input) => {
        const graph = await store.get(input.name)
        const before = { nodes: graph.order, edges: graph.size }
        for (const node of input.nodes) graph.mergeNode(node.id, node.attributes ?? {})
        for (const edge of input.edges) {
          try {
            graph.mergeEdge(edge.source, edge.target, edge.attributes ?? {})
          } catch (err) {
            throw new McppError(
              'INVALID_PARAMS',
              `edges: ${edge.source} → ${edge.target}: ${(err as Error).message}`,
              {
                problems: [{ param: 'edges', problem: (err as Error).message }],
              },
            )
          }
        }
        await store.save(input.name)
        return {
          ...describe(input.name, graph),
          addedNodes: graph.order - before.nodes,
          addedEdges: graph.size - before.edges,
        }
      },
    },
  })

  const exportGraph = defineTool({
    name: 'graph_export',
    category: 'graph',
    description: 'Export a graph as graphology JSON (options, nodes and edges with their properties)',
    input: z.object({ name }),
    output: z.object({ name: z.string(), graph: z.record(z.string(), z.unknown()) }),
    annotations: { title: 'Export a graph', ...READS },
    handlers: {
      local: async (input) => ({ name: input.name, graph: (await store.get(input.name)).export() as never }),
    },
  })

  const importGraph = defineTool({
    name: 'graph_import',
    category: 'graph',
    description: 'Import a graph from graphology JSON (as graph_export writes it) under a name',
    input: z.object({
      name,
      graph: z.record(z.string(), z.unknown()),
      overwrite: z.boolean().default(false),
    }),
    output: summary,
    annotations: { title: 'Import a graph', ...MUTATES, idempotentHint: true },
    handlers: {
      local: async (input) => {
        if (store.exists(input.name) && !input.overwrite) {
          throw new McppError('CONFLICT', `graph "${input.name}" exists (pass overwrite: true to replace it)`)
        }
        const { Graph } = await graphology()
        let graph: Graph
        try {
          graph = Graph.from(input.graph as unknown as SerializedGraph)
        } catch (err) {
          throw new McppError('INVALID_PARAMS', `graph: not a serialized graph: ${(err as Error).message}`, {
            problems: [{ param: 'graph', problem: 'not a serialized graph' }],
          })
        }
        await store.put(input.name, graph)
        return describe(input.name, graph)
      },
    },
  })

  const remove = defineTool({
    name: 'graph_delete',
    category: 'graph',
    description: 'Delete a named graph',
    input: z.object({ name }),
    output: z.object({ name: z.string(), deleted: z.boolean() }),
    annotations: {
      title: 'Delete a graph',
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    handlers: { local: async (input) => ({ name: input.name, deleted: store.delete(input.name) }) },
  })

  const list = defineTool({
    name: 'graph_list',
    category: 'graph',
    description: 'The stored graphs with their type and node and edge counts',
    input: z.object({}),
    output: z.object({ graphs: z.array(summary) }),
    annotations: { title: 'List graphs', ...READS },
    handlers: {
      local: async () => ({
        graphs: await Promise.all(store.names().map(async (n) => describe(n, await store.get(n)))),
      }),
    },
  })

  return [create, add, exportGraph, importGraph, remove, list]
}
