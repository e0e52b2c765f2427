/**
 * What `npm start -- [options]` runs once main.ts has checked the Node version: reads
 * flags, MCPP_* env and the YAML file, then serves MCP at /mcp until a signal stops it.
 * A bad configuration exits with status 2 and a message naming the bad key.
 */
import { readFileSync } from 'node:fs'
import { McppError } from '../shared/errors.ts'
import { helpText } from './config/help.ts'
import { loadConfig } from './config/load.ts'
import { readVersion } from './package-root.ts'
import { watchParent } from './parent-watch.ts'
import { installProcessGuard } from './process-guard.ts'
import { startRelay } from './relay.ts'
import { stopOnSignals } from './stop-on-signals.ts'

const loaded = loadConfig({
  argv: process.argv.slice(2),
  env: process.env,
  readFile: (p) => readFileSync(p, 'utf8'),
})
if (!loaded.ok) {
  process.stderr.write(`mcpp: ${loaded.message}\n`)
  process.exit(2)
} else if (loaded.action === 'help') {
  process.stdout.write(`${helpText(readVersion())}\n`)
} else if (loaded.action === 'version') {
  process.stdout.write(`${readVersion()}\n`)
} else {
  try {
    // Signals are handled from the moment the parts exist: a SIGTERM while libp2p or
    // Helia starts stops what has started, in order, instead of killing the process.
    const relay = await startRelay(loaded.config, {}, (components) => {
      installProcessGuard(components.log, components.metrics.registry)
      const stop = stopOnSignals(components, (code) => process.exit(code))
      // Started by an npm script: the relay lives as long as npm does. npm forwards
      // SIGTERM and SIGINT to its child, but if npm itself is killed (SIGKILL) or its
      // child is not the relay (a shell without `exec`), the relay would be orphaned,
      // still holding its port and the data-dir lock; see parent-watch.ts.
      if (process.env.npm_lifecycle_event !== undefined) {
        watchParent(() => stop('parent process exited'))
      }
    })
    process.stdout.write(`mcpp relay ready: MCP endpoint ${relay.url}/mcp\n`)
  } catch (err) {
    // A stop during start-up ends the start with SHUTTING_DOWN; that stop exits when done.
    if (!(err instanceof McppError && err.code === 'SHUTTING_DOWN')) {
      process.stderr.write(`mcpp: cannot start: ${(err as Error).message}\n`)
      process.exit(1)
    }
  }
}
