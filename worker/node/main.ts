/**
 * `npm run worker -- --relay <url|multiaddr> [options]`: the browser task worker's
 * code, headless under Node, with worker threads as compute contexts and the contribute
 * page's cost controls (CPU cap, only when idle). `--help` lists every option; Ctrl-C
 * drains in-flight tasks, then exits.
 */
import { parseWorkerCli, WORKER_HELP } from './cli-options.ts'
import { startNodeWorker } from './node-worker.ts'

const parsed = parseWorkerCli(process.argv.slice(2), process.env)
if (!parsed.ok) {
  process.stderr.write(`mcpp worker: ${parsed.message}\n${WORKER_HELP}\n`)
  process.exit(2)
}
if (parsed.help || !parsed.options) {
  process.stdout.write(`${WORKER_HELP}\n`)
  process.exit(0)
}
const options = parsed.options

try {
  const running = await startNodeWorker({
    ...options,
    userAgent: `node/${process.versions.node}`,
    onEvent: (event) => {
      if (event.type === 'state') {
        const detail = event.error ? ` (${event.error})` : ''
        process.stdout.write(`worker ${event.state}${event.relay ? ` ${event.relay}` : ''}${detail}\n`)
      }
    },
    onPauseChange: ({ paused, reasons, othersPercent }) => {
      const load = othersPercent === undefined ? '' : ` (other processes: ${Math.round(othersPercent)} % CPU)`
      process.stdout.write(
        paused ? `worker paused: ${reasons.join(', ')}${load}\n` : `worker resumed${load}\n`,
      )
    },
  })
  const idleNote = options.onlyWhenIdle
    ? `only when idle (other processes ≤ ${options.idleThreshold} % CPU)`
    : 'always'
  process.stdout.write(
    `worker cost controls: ${options.concurrency} at once, CPU cap ${options.cpuCap} %, ${idleNote}\n`,
  )
  let stopping = false
  const stop = async () => {
    if (stopping) process.exit(1)
    stopping = true
    process.stdout.write('worker draining (Ctrl-C again to quit now)\n')
    await running.stop({ drain: true })
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
} catch (err) {
  process.stderr.write(`mcpp worker: cannot start: ${(err as Error).message}\n`)
  process.exit(1)
}
