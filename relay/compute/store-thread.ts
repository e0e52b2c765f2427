import { existsSync } from 'node:fs'
import type { Startable } from '../../shared/startable.ts'
import { entryFile } from '../store/named-file-store.ts'
import type { ComputePool } from './compute-pool.ts'
import type { Compute } from './index.ts'
import { siblingModule } from './worker-reply.ts'

/**
 * The relay's side of a stateful thread (graphs, full-text indexes, vector indexes):
 * every task of the store runs on one thread that holds its data in memory, so no
 * build, query or import holds the event loop (issue 9), and a task past the time
 * limit is stopped with its thread (the next task reads the store back from its files).
 */
export class StoreThread implements Startable {
  private readonly dir: string
  private readonly pool: ComputePool
  private readonly json: boolean

  /**
   * `worker` names the thread's module beside `moduleUrl`. With `json`, inputs and
   * results cross as JSON text, cheaper than a structured clone of many small objects;
   * without it arrays of numbers cross by structured clone, far faster than JSON.
   */
  constructor(options: {
    dir: string
    compute: Compute
    moduleUrl: string
    worker: string
    label: string
    json?: boolean
  }) {
    this.dir = options.dir
    this.json = options.json ?? false
    this.pool = options.compute.stateful(siblingModule(options.moduleUrl, options.worker), options.label)
  }

  /** Runs one operation (an export of the worker module) on the thread. */
  run<T>(op: string, input: unknown, signal?: AbortSignal): Promise<T> {
    return this.pool.run<T>(
      op,
      { dir: this.dir, input },
      { ...(signal ? { signal } : {}), ...(this.json ? { json: true } : {}) },
    )
  }

  /** The thread starts with its first task. */
  start(): void {}

  /** Ends the thread (also done for every store by the Compute part that made its pool). */
  stop(): Promise<void> {
    return this.pool.stop()
  }

  /** Whether the store has a saved entry `name` (`<name>.json` in its folder). */
  exists(name: string): boolean {
    return existsSync(entryFile(this.dir, name))
  }
}
