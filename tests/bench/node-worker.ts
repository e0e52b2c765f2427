import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { RelayChild } from './relay-child.ts'

const NODE_WORKER = fileURLToPath(new URL('../../worker/node/main.ts', import.meta.url))

export interface NodeWorker {
  pid: number
  stop(): Promise<void>
}

/** `npm run worker` (the project's Node worker, compute in worker threads) on `relay`, once connected. */
export function startNodeWorker(relay: RelayChild, concurrency: number, name = 'bench'): Promise<NodeWorker> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      NODE_WORKER,
      '--relay',
      relay.base,
      '--concurrency',
      String(concurrency),
      '--name',
      name,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  return new Promise((resolve, reject) => {
    let stdout = ''
    child.once('exit', (code) => reject(new Error(`the Node worker exited with ${code}: ${stderr}`)))
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (!/^worker connected/m.test(stdout)) return
      child.removeAllListeners('exit')
      child.stdout?.removeAllListeners('data')
      child.stdout?.resume()
      resolve({ pid: child.pid ?? -1, stop })
    })
  })
}
