/**
 * What `npm start -- [options]` runs once main.ts has checked the Node version: reads
 * flags, MCPP_* env and the YAML file, then serves MCP at /mcp until a signal stops it
 * (with `--stdio`, also one session on stdin/stdout, until stdin closes: relay/stdio/).
 * A bad configuration exits with status 2 and a message naming the bad key.
 */
import { readFileSync } from 'node:fs'
import type { Writable } from 'node:stream'
import { McppError } from '../shared/errors.ts'
import { helpText } from './config/help.ts'
import { loadConfig } from './config/load.ts'
import { readVersion } from './package-root.ts'
import { watchParent } from './parent-watch.ts'
import { installProcessGuard } from './process-guard.ts'
import { type RunningRelay, startRelay } from './relay.ts'
import { serveStdio, stdioPorts, takeStdout } from './stdio/index.ts'
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
  // --stdio: stdout carries only MCP from here on; anything else written to it goes to stderr.
  const stdio = loaded.config.stdio.enabled ? takeStdout() : undefined
  const config =
    stdio === undefined
      ? loaded.config
      : stdioPorts(loaded.config, {
          argv: process.argv.slice(2),
          env: process.env,
          configText: loaded.configFile === undefined ? undefined : readFileSync(loaded.configFile, 'utf8'),
        })
  let stop: ((reason: string) => void) | undefined
  try {
    // Signals are handled from the moment the parts exist: a SIGTERM while libp2p or
    // Helia starts stops what has started, in order, instead of killing the process.
    const relay = await startRelay(config, {}, (components) => {
      installProcessGuard(components.log, components.metrics.registry)
      stop = stopOnSignals(components, (code) => process.exit(code))
      // Started by an npm script: the relay lives as long as npm does. npm forwards
      // SIGTERM and SIGINT to its child, but if npm itself is killed (SIGKILL) or its
      // child is not the relay (a shell without `exec`), the relay would be orphaned,
      // still holding its port and the data-dir lock; see parent-watch.ts.
      if (process.env.npm_lifecycle_event !== undefined) {
        watchParent(() => stop?.('parent process exited'))
      }
    })
    if (stdio === undefined) {
      process.stdout.write(`mcpp relay ready: MCP endpoint ${relay.url}/mcp\n`)
    } else {
      await serveStdioUntilEnd(relay, stdio, (reason) => stop?.(reason))
    }
  } catch (err) {
    // A stop during start-up ends the start with SHUTTING_DOWN; that stop exits when done.
    if (!(err instanceof McppError && err.code === 'SHUTTING_DOWN')) {
      process.stderr.write(`mcpp: cannot start: ${(err as Error).message}\n`)
      process.exit(1)
    }
  }
}

/**
 * `--stdio`: serves one MCP session on stdin/stdout and stops the relay (stores closed,
 * exit 0) when the client closes stdin. The ready line goes to stderr, never stdout.
 * A stdio identity the access policy does not know stops the relay and exits with 2.
 */
async function serveStdioUntilEnd(
  relay: RunningRelay,
  stdout: Writable,
  stop: (reason: string) => void,
): Promise<void> {
  try {
    const session = await serveStdio(relay.components, { stdin: process.stdin, stdout })
    process.stderr.write(`mcpp relay ready: MCP over stdio (HTTP at ${relay.url}/mcp)\n`)
    void session.ended.then(() => stop('stdin closed'))
  } catch (err) {
    process.stderr.write(`mcpp: ${(err as Error).message}\n`)
    await relay.close()
    process.exit(2)
  }
}
