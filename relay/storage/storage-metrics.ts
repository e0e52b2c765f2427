import { Gauge, type Registry } from 'prom-client'
import type { DataDisk } from './data-disk.ts'
import type { StoreSizes } from './store-sizes.ts'

/** Rows of one store by state, where counting them is cheap (an index or a small table). */
export interface StoreRows {
  store: string
  state: string
  rows: number
}

export interface StorageMetricsInit {
  registry: Registry
  sizes: StoreSizes
  disk: DataDisk
  /** Read at each scrape; a store that is closed (stopping) leaves its rows out. */
  rows: () => StoreRows[]
}

/**
 * What the data directory holds and how much room is left (issue 16): bytes per store
 * (walked in the background, StoreSizes), rows per store where they are cheap, and the
 * data filesystem's free and total bytes, read at each scrape (one statfs).
 */
export function registerStorageMetrics(init: StorageMetricsInit): void {
  const { registry, sizes, disk, rows } = init
  new Gauge({
    name: 'mcpp_store_bytes',
    help: 'Bytes each store in the data directory takes on disk (allocated blocks; walked at most every 30 s)',
    labelNames: ['store'],
    registers: [registry],
    async collect() {
      for (const [store, bytes] of await sizes.current()) this.set({ store }, bytes)
    },
  })
  new Gauge({
    name: 'mcpp_store_rows',
    help: 'Rows in a store by state: tasks by queue state, unexpired cache entries',
    labelNames: ['store', 'state'],
    registers: [registry],
    collect() {
      this.reset()
      for (const { store, state, rows: n } of rows()) this.set({ store, state }, n)
    },
  })
  // Both read one statfs: readings asked for while one is under way share it.
  new Gauge({
    name: 'mcpp_data_fs_free_bytes',
    help: 'Free bytes on the filesystem of the data directory (what an unprivileged writer may still use)',
    registers: [registry],
    async collect() {
      const reading = await disk.refresh()
      if (reading !== undefined) this.set(reading.freeBytes)
    },
  })
  new Gauge({
    name: 'mcpp_data_fs_size_bytes',
    help: 'Total bytes of the filesystem of the data directory',
    registers: [registry],
    async collect() {
      const reading = await disk.refresh()
      if (reading !== undefined) this.set(reading.sizeBytes)
    },
  })
}
