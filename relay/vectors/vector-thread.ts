import type { Compute } from '../compute/index.ts'
import { StoreThread } from '../compute/store-thread.ts'

/** The vector indexes (HNSW, hnswlib's synchronous native calls) on their own thread (vector-worker.ts). */
export class VectorThread extends StoreThread {
  constructor(dir: string, compute: Compute) {
    super({ dir, compute, moduleUrl: import.meta.url, worker: 'vector-worker', label: 'the vector thread' })
  }
}
