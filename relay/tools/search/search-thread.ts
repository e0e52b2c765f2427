import type { Compute } from '../../compute/index.ts'
import { StoreThread } from '../../compute/store-thread.ts'

/** The search indexes (MiniSearch) on their own thread (search-worker.ts). */
export class SearchThread extends StoreThread {
  constructor(dir: string, compute: Compute) {
    super({ dir, compute, moduleUrl: import.meta.url, worker: 'search-worker', label: 'the search thread' })
  }
}
