/// <reference lib="webworker" />
/**
 * The contribute page's dedicated Web Worker: runs the libp2p node and the task
 * worker, and exposes start/stop/stats to the page over comlink.
 */
import * as Comlink from 'comlink'
import { spawnBrowserCompute } from '../compute/browser-compute.ts'
import { type RunningWorker, startWorker } from '../core/start-worker.ts'
import { throttledEvents } from '../core/throttled-events.ts'
import type { WorkerEvent, WorkerStats } from '../core/worker-events.ts'

export interface BrowserWorkerApi {
  start(
    options: { relay: string; concurrency: number; name: string; joinToken?: string },
    onEvent: (e: WorkerEvent) => void,
  ): Promise<string>
  stop(drain: boolean): Promise<void>
  stats(): WorkerStats | null
}

let running: RunningWorker | undefined

const api: BrowserWorkerApi = {
  async start(options, onEvent) {
    if (running) return running.relayAddress
    running = await startWorker({
      ...options,
      userAgent: navigator.userAgent,
      spawnCompute: spawnBrowserCompute,
      onEvent: throttledEvents(() => running?.worker.stats() ?? null, onEvent),
    })
    return running.relayAddress
  },
  async stop(drain) {
    const current = running
    running = undefined
    await current?.stop({ drain })
  },
  stats: () => running?.worker.stats() ?? null,
}

Comlink.expose(api)
