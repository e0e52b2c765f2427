import { Worker } from 'node:worker_threads'
import type { ComputeHost } from './compute-pool.ts'

// Run from source (.ts, type stripping) or from the compiled dist/ (.js).
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
const ENTRY = new URL(`./compute-entry.node${EXT}`, import.meta.url)

/** A compute context on a Node worker thread, with a heap limit. */
export function spawnNodeCompute(maxHeapMb = 512): ComputeHost {
  const worker = new Worker(ENTRY, { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } })
  worker.unref()
  return {
    postMessage: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.on('message', listener),
    // Uncaught exceptions and ERR_WORKER_OUT_OF_MEMORY both arrive as 'error'.
    onError: (listener) => worker.on('error', listener),
    terminate: () => {
      void worker.terminate()
    },
  }
}
