import type { ComputeHost } from './compute-pool.ts'

/** A compute context in a nested Web Worker (terminated to stop a runaway task). */
export function spawnBrowserCompute(): ComputeHost {
  const worker = new Worker(new URL('./compute-entry.browser.ts', import.meta.url), { type: 'module' })
  return {
    postMessage: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.addEventListener('message', (e) => listener(e.data)),
    onError: (listener) =>
      worker.addEventListener('error', (e) => {
        e.preventDefault()
        listener(new Error(e.message || 'compute worker error'))
      }),
    terminate: () => worker.terminate(),
  }
}
