import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
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

/**
 * A TCP port for a relay that must keep its ports across restarts, so cannot listen on 0.
 *
 * A port the kernel hands out for `listen(0)` comes from the ephemeral range, the same
 * range every outgoing connection (and every other test's `listen(0)`) draws its local
 * port from: between this check and the relay's own listen another process can take it
 * (CI saw `EADDRINUSE` that way). So the port is chosen below that range, where the
 * kernel never assigns one by itself, in a slice of its own for each test worker
 * process, and checked free by binding it.
 */
export async function freePort(): Promise<number> {
  const low = 10_000
  const high = Math.min(ephemeralLow(), 32_768)
  const slices = 16
  const size = Math.floor((high - low) / slices)
  const slice = (Number(process.env.VITEST_POOL_ID ?? process.pid) - 1 + slices) % slices
  const base = low + slice * size
  for (let tried = 0; tried < size; tried++) {
    const port = base + (nextPort++ % size)
    if (await bindable(port)) return port
  }
  throw new Error(`no free port in ${base}..${base + size - 1}`)
}

let nextPort = Math.floor(Math.random() * 1_000)

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > 10_000 ? low : 32_768
  } catch {
    return 32_768
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
  })
}
