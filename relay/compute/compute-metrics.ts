import { Gauge, type Registry } from 'prom-client'
import type { Compute } from './index.ts'

/**
 * The compute threads' memory in /metrics: each is a V8 isolate of its own, outside the
 * main thread's `mcpp_nodejs_heap_*`, so without this a growing RSS could not be told
 * apart from a thread's heap. Read at scrape time (one message per thread).
 */
export function registerComputeMetrics(registry: Registry, compute: Compute): void {
  new Gauge({
    name: 'mcpp_compute_heap_bytes',
    help: "V8 heap of each pool's running threads, by pool (compute, graph, search, vector, checkpoint) and kind (used, total: committed)",
    labelNames: ['pool', 'kind'],
    registers: [registry],
    async collect() {
      const heaps = await Promise.all(compute.allPools.map(async (p) => [p.name, await p.heap()] as const))
      this.reset()
      for (const [pool, heap] of heaps) {
        this.set({ pool, kind: 'used' }, heap.used)
        this.set({ pool, kind: 'total' }, heap.total)
      }
    },
  })
  new Gauge({
    name: 'mcpp_compute_threads',
    help: 'Threads running now in each pool (they start on demand and end when idle)',
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      this.reset()
      for (const pool of compute.allPools) this.set({ pool: pool.name }, pool.threads)
    },
  })
}
