/// <reference lib="webworker" />
/** Entry of a browser compute context: a Web Worker nested in the task worker. */
import type { RunRequest } from './messages.ts'
import { serveCompute } from './serve-compute.ts'

const scope = self as unknown as DedicatedWorkerGlobalScope
serveCompute({
  postMessage: (message) => scope.postMessage(message),
  onMessage: (listener) =>
    scope.addEventListener('message', (e: MessageEvent<RunRequest>) => listener(e.data)),
})
