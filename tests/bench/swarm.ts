import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const SCRIPT = fileURLToPath(new URL('./worker-swarm.ts', import.meta.url))

export interface Swarm {
  pid: number
  /** Resolves once every worker of this process has been welcomed. */
  ready: Promise<void>
  /** Workers the relay dropped after welcoming them (should stay 0). */
  gone(): number
  stop(): Promise<void>
}

/**
 * Starts `count` workers in one child process (worker-swarm.ts), dialling `relay` from
 * the loopback address `from`, and reports progress through `onConnected`.
 */
export function startSwarm(
  relay: string,
  count: number,
  from: string,
  onConnected: (connected: number) => void = () => {},
): Swarm {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      SCRIPT,
      '--relay',
      relay,
      '--count',
      String(count),
      '--from',
      from,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stderr = ''
  let gone = 0
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const ready = new Promise<void>((resolve, reject) => {
    let buffered = ''
    child.once('exit', (code) => reject(new Error(`worker swarm exited with ${code}: ${stderr}`)))
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const [word, n] = line.split(' ')
        if (word === 'connected') onConnected(Number(n))
        if (word === 'gone') gone = Number(n)
        if (word === 'ready') {
          child.removeAllListeners('exit')
          resolve()
        }
      }
    })
  })
  return {
    pid: child.pid ?? -1,
    ready,
    gone: () => gone,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
