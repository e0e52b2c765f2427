import { readFile } from 'node:fs/promises'
import type { SerializedGraph } from 'graphology-types'
import { writeFileAtomically } from '../../files/atomic-write.ts'
import { NamedFileStore, STORE_NAME } from '../../store/named-file-store.ts'
import { type Graph, graphology } from './graphology.ts'

export const GRAPH_NAME = STORE_NAME

/**
 * Named graphs (graphology) saved as serialized JSON in `<data-dir>/graphs/<name>.json`
 * after every change (atomically), so they survive restarts. This lives on the graph
 * thread, which keeps graphs in memory once used; if the thread is stopped (a time
 * limit), the next task reads them back from their files.
 */
export class GraphFiles extends NamedFileStore<Graph> {
  constructor(dir: string) {
    super(dir, { what: 'graph', plural: 'graphs' })
  }

  protected async load(name: string): Promise<Graph> {
    const { Graph } = await graphology()
    return Graph.from(JSON.parse(await readFile(this.path(name), 'utf8')) as SerializedGraph)
  }

  protected async save(name: string, graph: Graph): Promise<void> {
    await writeFileAtomically(this.path(name), new TextEncoder().encode(JSON.stringify(graph.export())))
  }
}
