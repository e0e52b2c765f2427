/**
 * The relay entry point: `npm start -- [options]`. Reads flags, MCPP_* env and the YAML
 * file, then serves MCP at /mcp. A bad configuration exits with status 2 and a message
 * naming the bad key.
 */
import { readFileSync } from 'node:fs'
import { helpText } from './config/help.ts'
import { loadConfig } from './config/load.ts'
import { readVersion } from './package-root.ts'
import { installProcessGuard } from './process-guard.ts'
import { startRelay } from './relay.ts'

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
    const relay = await startRelay(loaded.config)
    installProcessGuard(relay.components.log, relay.components.metrics.registry)
    process.stdout.write(`mcpp relay ready: MCP endpoint ${relay.url}/mcp\n`)
    const stop = async () => {
      await relay.close()
      process.exit(0)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  } catch (err) {
    process.stderr.write(`mcpp: cannot start: ${(err as Error).message}\n`)
    process.exit(1)
  }
}
