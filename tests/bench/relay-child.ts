import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { npmScript, scriptEnv } from '../npm-script.ts'
import { type ChildServer, startChildServer } from './child-server.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** `npm start`'s node arguments and environment, so the bench measures exactly what users run. */
function npmStart(): { args: string[]; env: NodeJS.ProcessEnv } {
  const start = npmScript('start')
  const [command, ...args] = start.command
  if (command !== 'node') throw new Error(`npm start does not run node: ${start.command.join(' ')}`)
  return { args: args.map((a) => (a.endsWith('.js') ? join(ROOT, a) : a)), env: scriptEnv(start) }
}

export interface RelayChild extends ChildServer {
  /** The relay's HTTP base URL. */
  base: string
  /** Its data directory (tool paths resolve under `files/` in it). */
  dataDir: string
}

/**
 * Starts the compiled relay as `npm start` does, on free ports with a fresh data
 * directory, or with `dataDir` (one holding a peer key, for member relays that list
 * each other); either is removed on stop.
 */
export async function startRelayChild(
  extraArgs: readonly string[] = [],
  options: { dataDir?: string } = {},
): Promise<RelayChild> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'mcpp-bench-'))
  const args = ['--port', '0', '--p2p-port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...extraArgs]
  const start = npmStart()
  const child = await startChildServer([...start.args, ...args], 'relay', start.env)
  return {
    ...child,
    base: child.endpoint.origin,
    dataDir,
    stop: async () => {
      await child.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
