import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { SerializedGraph } from 'graphology-types'
import { McppError } from '../../../shared/errors.ts'
import { writeFileAtomically } from '../../files/atomic-write.ts'
import { namesIn, unknownName } from '../../files/names-in.ts'
import { type Graph, graphology } from './graphology.ts'

export const GRAPH_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/**
 * Named graphs (graphology) saved as serialized JSON in `<data-dir>/graphs/<name>.json`
 * after every change (atomically), so they survive restarts. This lives on the graph
 * thread, which keeps graphs in memory once used; if the thread is stopped (a time
 * limit), the next task reads them back from their files.
 */
export class GraphFiles {
  private readonly dir: string
  private readonly graphs = new Map<string, Graph>()

  constructor(dir: string) {
    this.dir = dir
    mkdirSync(dir, { recursive: true })
  }

  names(): string[] {
    return [...new Set([...namesIn(this.dir), ...this.graphs.keys()])].sort()
  }

  exists(name: string): boolean {
    return this.graphs.has(name) || existsSync(this.file(name))
  }

  async get(name: string): Promise<Graph> {
    const cached = this.graphs.get(name)
    if (cached) return cached
    const { Graph } = await graphology()
    if (!existsSync(this.file(name))) {
      throw unknownName('graph', 'graphs', name, this.names())
    }
    const graph = Graph.from(JSON.parse(readFileSync(this.file(name), 'utf8')) as SerializedGraph)
    this.graphs.set(name, graph)
    return graph
  }

  async put(name: string, graph: Graph): Promise<void> {
    await writeFileAtomically(this.file(name), Buffer.from(JSON.stringify(graph.export())))
    this.graphs.set(name, graph)
  }

  /** Forgets the in-memory copy (after a change failed half-way), so the file is read again. */
  forget(name: string): void {
    this.graphs.delete(name)
  }

  delete(name: string): boolean {
    const existed = this.exists(name)
    this.graphs.delete(name)
    rmSync(this.file(name), { force: true })
    return existed
  }

  private file(name: string): string {
    if (!GRAPH_NAME.test(name)) {
      throw new McppError('INVALID_PARAMS', `name: "${name}" is not a graph name (letters, digits, _ . -)`, {
        problems: [{ param: 'name', problem: 'not a graph name' }],
      })
    }
    return join(this.dir, `${name}.json`)
  }
}
