import { readdir, stat } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import type { RelayChild } from '../relay-child.ts'
import type { Cdp } from './cdp.ts'
import { tabHeaps } from './tab-heap.ts'

/** One reading of everything the soak watches grow; sizes in bytes. */
export interface Sample {
  /** Seconds since the run started. */
  at: number
  relayRss: number
  relayHeap: number
  /**
   * Memory outside the main thread's V8 heap that V8 knows of (Buffers, ArrayBuffers):
   * with the heap, what a growing RSS is not made of.
   */
  relayExternal: number
  /** The main thread's V8 heap as committed (used or not). */
  relayHeapTotal: number
  /** The compute threads' V8 heaps, committed, summed (undefined from a relay without the metric). */
  threadsHeap: number | undefined
  /** The relay's CPU time so far (user + system), ms. */
  relayCpuMs: number
  /** The machine's 1-minute load average: how much else wanted the cores (a shared machine moves every latency). */
  load: number
  /** Each tab's JS heap (page + its workers, after GC), in the order the tabs were first seen. */
  tabs: number[]
  /** tasks.db with its -wal and -shm files. */
  tasksDb: number
  blocks: number
  /** Retention's counters so far (undefined from a relay without retention metrics). */
  tasksExpired: number | undefined
  blocksCollected: number | undefined
}

/** The relay's prom-client default metrics carry the `mcpp_` prefix (relay/metrics.ts). */
const RSS = 'mcpp_process_resident_memory_bytes'
const HEAP = 'mcpp_nodejs_heap_size_used_bytes'
const EXTERNAL = 'mcpp_nodejs_external_memory_bytes'
const HEAP_TOTAL = 'mcpp_nodejs_heap_size_total_bytes'

/** The value of an unlabelled metric in Prometheus text; a missing metric is an error, not a zero. */
export function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  const value = Number(line?.slice(name.length + 1))
  if (line === undefined || Number.isNaN(value)) throw new Error(`the relay's /metrics has no ${name}`)
  return value
}

/**
 * The sum of a counter over its label sets, or only those with `label` (e.g.
 * `store="tasks"`); undefined when the relay does not export it.
 */
export function metricTotal(text: string, name: string, label = ''): number | undefined {
  const lines = text
    .split('\n')
    .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(label))
  if (lines.length === 0) return undefined
  return lines.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
}

/** Bytes allocated on disk (du, not the apparent size: a block file takes a whole fs block) under `path`; 0 if absent. */
export async function diskBytes(path: string): Promise<number> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined
    throw err
  })
  if (info === undefined) return 0
  if (!info.isDirectory()) return info.blocks * 512
  const entries = await readdir(path).catch(() => [])
  let total = info.blocks * 512
  // A file removed by a sweep between listing and stat counts as gone.
  for (const entry of entries) total += await diskBytes(join(path, entry))
  return total
}

export class Sampler {
  /** Page target ids, in the order first seen, so a column stays one tab. */
  readonly #tabOrder: string[] = []

  readonly relay: RelayChild
  readonly cdp: Cdp

  constructor(relay: RelayChild, cdp: Cdp) {
    this.relay = relay
    this.cdp = cdp
  }

  get tabCount(): number {
    return this.#tabOrder.length
  }

  async take(at: number): Promise<Sample> {
    const metrics = await fetch(`${this.relay.base}/metrics`)
      .then((res) => res.text())
      .catch((err: Error) => {
        throw new Error(`cannot read the relay's /metrics (did it exit?): ${err.cause ?? err.message}`)
      })
    const heaps = await tabHeaps(this.cdp)
    for (const id of heaps.keys()) if (!this.#tabOrder.includes(id)) this.#tabOrder.push(id)
    const db = join(this.relay.dataDir, 'tasks.db')
    const dbFiles = await Promise.all(['', '-wal', '-shm'].map((suffix) => diskBytes(`${db}${suffix}`)))
    return {
      at,
      relayRss: metricValue(metrics, RSS),
      relayHeap: metricValue(metrics, HEAP),
      relayExternal: metricValue(metrics, EXTERNAL),
      relayHeapTotal: metricValue(metrics, HEAP_TOTAL),
      threadsHeap: metricTotal(metrics, 'mcpp_compute_heap_bytes', 'kind="total"'),
      relayCpuMs: this.relay.cpuMs(),
      load: loadavg()[0] ?? Number.NaN,
      // A tab that closed or crashed has no heap to read: NaN, so its slope says so.
      tabs: this.#tabOrder.map((id) => heaps.get(id) ?? Number.NaN),
      tasksDb: dbFiles.reduce((a, b) => a + b, 0),
      blocks: await diskBytes(join(this.relay.dataDir, 'blocks')),
      tasksExpired: metricTotal(metrics, 'mcpp_retention_rows_removed_total', 'store="tasks"'),
      blocksCollected: metricTotal(metrics, 'mcpp_retention_blocks_removed_total'),
    }
  }
}
