import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'

const MAIN = join(import.meta.dirname, '..', 'relay', 'main.ts')

export interface RelayProcess {
  child: ChildProcess
  url: string
}

/** Starts `relay/main.ts` in a child process and resolves with its URL once it is ready. */
export function spawnRelay(args: string[]): Promise<RelayProcess> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  child.stderr?.on('data', (d) => {
    err += d
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}: ${err}`)))
    child.stdout?.on('data', (d) => {
      out += d
      const match = /MCP endpoint (http:\/\/\S+)\/mcp/.exec(out)
      if (!match?.[1]) return
      child.removeAllListeners('exit')
      resolve({ child, url: match[1] })
    })
  })
}

/** A TCP port that is free right now (for a relay that must keep its libp2p port across restarts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
  })
}
