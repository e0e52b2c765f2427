import type { Compute } from '../../compute/index.ts'
import { StoreThread } from '../../compute/store-thread.ts'

/** The graphs on their own thread (graph-worker.ts); they cross as JSON text (many small objects). */
export class GraphStore extends StoreThread {
  constructor(dir: string, compute: Compute) {
    super({
      dir,
      compute,
      moduleUrl: import.meta.url,
      worker: 'graph-worker',
      label: 'the graph thread',
      json: true,
    })
  }
}
