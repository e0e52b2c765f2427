import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'

export interface ChildServer {
  /** The MCP endpoint URL the child printed when ready. */
  endpoint: URL
  pid: number
  /** Resident set size in bytes, from /proc (Linux) or `ps`. */
  rss(): number
  /** CPU time (user + system) used so far, in ms, from /proc. */
  cpuMs(): number
  stop(): Promise<void>
}

const READY = /MCP endpoint (http:\/\/\S+)/

/** Starts `node <args>` and resolves once it prints "MCP endpoint <url>". */
export function startChildServer(
  args: string[],
  label: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildServer> {
  const flags = args[0]?.startsWith('--') ? [] : ['--disable-warning=ExperimentalWarning']
  const child = spawn(process.execPath, [...flags, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  return new Promise((resolve, reject) => {
    let stdout = ''
    child.once('exit', (code) =>
      reject(new Error(`${label} exited with ${code} before it was ready: ${stderr}`)),
    )
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString()
      const match = READY.exec(stdout)
      if (match?.[1] === undefined) return
      child.removeAllListeners('exit')
      child.stdout?.removeAllListeners('data')
      child.stdout?.resume()
      resolve(handle(child, new URL(match[1])))
    })
  })
}

function handle(child: ChildProcess, endpoint: URL): ChildServer {
  const pid = child.pid ?? -1
  return {
    endpoint,
    pid,
    rss: () => {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
      if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`)
      return Number(kb) * 1024
    },
    cpuMs: () => {
      // Fields after the command name: utime and stime are the 12th and 13th (clock ticks, 100 Hz).
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      return (Number(fields[11]) + Number(fields[12])) * 10
    },
    stop: () =>
      new Promise<void>((resolve) => {
        // Gone already (exited, or killed by a signal: then exitCode stays null).
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
