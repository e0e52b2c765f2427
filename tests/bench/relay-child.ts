import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type ChildServer, startChildServer } from './child-server.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The node arguments of `npm start`, so the bench measures exactly what users run. */
function npmStartArgs(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
  // `exec node …`: the shell hands over to node, so npm's signals reach the relay.
  const [command, ...args] = pkg.scripts.start.replace(/^exec\s+/, '').split(/\s+/)
  if (command !== 'node') throw new Error(`npm start does not run node: ${pkg.scripts.start}`)
  return args.map((a) => (a.endsWith('.js') ? join(ROOT, a) : a))
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
  const child = await startChildServer([...npmStartArgs(), ...args], 'relay')
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
