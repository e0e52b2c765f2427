/// <reference lib="webworker" />
/**
 * The contribute page's dedicated Web Worker: runs the libp2p node and the task
 * worker, and exposes start/stop/configure/stats to the page over comlink.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import * as Comlink from 'comlink'
import { spawnBrowserCompute } from '../compute/browser-compute.ts'
import { type RunningWorker, startWorker } from '../core/start-worker.ts'
import { throttledEvents } from '../core/throttled-events.ts'
import type { WorkerEvent, WorkerStats } from '../core/worker-events.ts'

/** What the page may change while the worker runs (each takes effect at once). */
export interface LiveSettings {
  concurrency?: number
  /** Percent of the time each compute context may compute (duty cycle). */
  cpuCap?: number
  /** No new tasks (the relay is told capacity 0); held ones finish. */
  paused?: boolean
}

export interface BrowserWorkerApi {
  start(
    options: {
      relay: string
      concurrency: number
      cpuCap: number
      paused: boolean
      name: string
      joinToken?: string
      /** The tab's libp2p key (protobuf) from an earlier visit; a new one is made without it. */
      privateKey?: Uint8Array
    },
    onEvent: (e: WorkerEvent) => void,
  ): Promise<{ relayAddress: string; peerId: string; privateKey: Uint8Array }>
  configure(settings: LiveSettings): void
  stop(drain: boolean): Promise<void>
  stats(): WorkerStats | null
}

let running: RunningWorker | undefined

const api: BrowserWorkerApi = {
  async start({ privateKey: saved, cpuCap, paused, ...options }, onEvent) {
    const privateKey = saved ? privateKeyFromProtobuf(saved) : await generateKeyPair('Ed25519')
    running ??= await startWorker({
      ...options,
      paused,
      privateKey,
      userAgent: navigator.userAgent,
      spawnCompute: spawnBrowserCompute,
      onEvent: throttledEvents(() => running?.worker.stats() ?? null, onEvent),
    })
    api.configure({ cpuCap })
    return {
      relayAddress: running.relayAddress,
      peerId: running.peerId,
      privateKey: privateKeyToProtobuf(privateKey),
    }
  },
  configure({ concurrency, cpuCap, paused }) {
    if (!running) return
    if (cpuCap !== undefined) running.pool.setCpuCap(cpuCap)
    if (concurrency !== undefined || paused !== undefined)
      running.worker.setCapacity({
        ...(concurrency === undefined ? {} : { concurrency }),
        ...(paused === undefined ? {} : { paused }),
      })
  },
  async stop(drain) {
    const current = running
    running = undefined
    await current?.stop({ drain })
  },
  stats: () => running?.worker.stats() ?? null,
}

Comlink.expose(api)
