import { z } from 'zod'
import { READS } from '../../../shared/tool/annotations.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { freeForm } from '../../../shared/tool/free-form.ts'
import type { GraphStore } from './graph-store.ts'
import { MAX_ADD, MAX_EXPORT_ELEMENTS, MAX_NODE_ID } from './limits.ts'

const fmt = (n: number) => n.toLocaleString('en')
const name = z.string().min(1).max(64).describe('Graph name')
const nodeId = z.string().min(1).max(MAX_NODE_ID)
const attributes = freeForm(
  z.record(z.string(), z.unknown()),
  'Your own properties (free-form), merged into existing ones; a numeric "weight" weights paths',
)
const summary = z.object({
  name: z.string(),
  type: z.string(),
  nodes: z.number().int(),
  edges: z.number().int(),
})
const MUTATES = { readOnlyHint: false, destructiveHint: false, openWorldHint: false } as const

/** How many nodes plus edges a serialized graph lists. */
function elements(graph: Record<string, unknown>): number {
  const count = (v: unknown) => (Array.isArray(v) ? v.length : 0)
  return count(graph.nodes) + count(graph.edges)
}

export function graphBuildTools(store: GraphStore) {
  const create = defineTool({
    name: 'graph_create',
    category: 'graph',
    description: 'Create an empty named graph (directed, undirected or mixed), stored in the data directory',
    input: z.object({
      name,
      type: z
        .enum(['directed', 'undirected', 'mixed'])
        .default('directed')
        .describe('Edge direction: directed, undirected, or mixed (each edge says)'),
      multi: z.boolean().default(false).describe('Allow several edges between the same nodes'),
      overwrite: z.boolean().default(false).describe('Replace a graph of the same name'),
    }),
    output: summary,
    annotations: { title: 'Create a graph', ...MUTATES, idempotentHint: false },
    handlers: { local: (input, ctx) => store.run('create', input, ctx.signal) },
  })

  const add = defineTool({
    name: 'graph_add',
    category: 'graph',
    description:
      'Add or update nodes and edges with properties; edges create missing endpoints, a "weight" property weights paths. A graph holds at most 1,000,000 nodes and edges',
    input: z.object({
      name,
      nodes: z
        .array(z.strictObject({ id: nodeId.describe('Node id'), attributes: attributes.optional() }))
        .max(MAX_ADD)
        .default([])
        .describe(`At most ${fmt(MAX_ADD)} per call`),
      edges: z
        .array(
          z.strictObject({
            source: nodeId.describe('Id of the node the edge leaves (created if missing)'),
            target: nodeId.describe('Id of the node the edge reaches (created if missing)'),
            attributes: attributes.optional(),
          }),
        )
        .max(MAX_ADD)
        .default([])
        .describe(`At most ${fmt(MAX_ADD)} per call`),
    }),
    output: summary.extend({ addedNodes: z.number().int(), addedEdges: z.number().int() }),
    annotations: { title: 'Add nodes and edges', ...MUTATES, idempotentHint: true },
    handlers: { local: (input, ctx) => store.run('add', input, ctx.signal) },
  })

  const exportGraph = defineTool({
    name: 'graph_export',
    category: 'graph',
    description: `Export a graph as graphology JSON (options, nodes and edges with their properties); graphs of up to ${fmt(MAX_EXPORT_ELEMENTS)} nodes and edges`,
    input: z.object({ name }),
    output: z.object({ name: z.string(), graph: z.record(z.string(), z.unknown()) }),
    annotations: { title: 'Export a graph', ...READS },
    handlers: { local: (input, ctx) => store.run('exportGraph', input, ctx.signal) },
  })

  const importGraph = defineTool({
    name: 'graph_import',
    category: 'graph',
    description: 'Import a graph from graphology JSON (as graph_export writes it) under a name',
    input: z.object({
      name,
      // Free-form here because graphology checks the shape as it builds the graph, and a
      // zod schema per node and edge would cost the event loop on the largest imports.
      graph: freeForm(
        z.record(z.string(), z.unknown()),
        `Graphology JSON as graph_export writes it (options, attributes, nodes, edges); at most ${fmt(MAX_EXPORT_ELEMENTS)} nodes and edges`,
      ).refine((g) => elements(g) <= MAX_EXPORT_ELEMENTS, {
        message: `at most ${fmt(MAX_EXPORT_ELEMENTS)} nodes and edges`,
      }),
      overwrite: z.boolean().default(false).describe('Replace a graph of the same name'),
    }),
    output: summary,
    annotations: { title: 'Import a graph', ...MUTATES, idempotentHint: true },
    handlers: { local: (input, ctx) => store.run('importGraph', input, ctx.signal) },
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
    handlers: { local: (input, ctx) => store.run('remove', input, ctx.signal) },
  })

  const list = defineTool({
    name: 'graph_list',
    category: 'graph',
    description: 'The stored graphs with their type and node and edge counts',
    input: z.object({}),
    output: z.object({ graphs: z.array(summary) }),
    annotations: { title: 'List graphs', ...READS },
    handlers: { local: (_input, ctx) => store.run('list', {}, ctx.signal) },
  })

  return [create, add, exportGraph, importGraph, remove, list]
}
