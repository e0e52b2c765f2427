/** Entry of a Node compute context (worker thread). */
import { parentPort } from 'node:worker_threads'
import type { RunRequest } from './messages.ts'
import { serveCompute } from './serve-compute.ts'

const port = parentPort
if (port === null) throw new Error('compute-entry.node must run in a worker thread')
serveCompute({
  postMessage: (message) => port.postMessage(message),
  onMessage: (listener) => port.on('message', (message: RunRequest) => listener(message)),
})
