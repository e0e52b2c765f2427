/**
 * `npm run worker -- --relay <url|multiaddr> [--concurrency N] [--name NAME]`: the
 * browser task worker's code, headless under Node, with worker threads as compute
 * contexts. Ctrl-C drains in-flight tasks, then exits.
 */
import { availableParallelism, hostname } from 'node:os'
import { parseArgs } from 'node:util'
import { spawnNodeCompute } from '../compute/node-compute.ts'
import { startWorker } from '../core/start-worker.ts'

const HELP = `usage: npm run worker -- --relay <http://host:8000 | /ip4/…/ws/p2p/…> [options]

  --relay <url|multiaddr>  the relay: its HTTP base URL or its libp2p multiaddr (required)
  --concurrency <n>        tasks run at once (default: CPU count)
  --name <text>            label shown in worker statistics (default: host name)
  --join-token <token>     join token for relays that admit workers by token (env MCPP_JOIN_TOKEN)
  --help                   this text`

let values: { relay?: string; concurrency?: string; name?: string; 'join-token'?: string; help?: boolean }
try {
  ;({ values } = parseArgs({
    options: {
      relay: { type: 'string' },
      concurrency: { type: 'string' },
      name: { type: 'string' },
      'join-token': { type: 'string' },
      help: { type: 'boolean' },
    },
  }))
} catch (err) {
  process.stderr.write(`mcpp worker: ${(err as Error).message}\n${HELP}\n`)
  process.exit(2)
}
if (values.help) {
  process.stdout.write(`${HELP}\n`)
  process.exit(0)
}
const concurrency = Number(values.concurrency ?? availableParallelism())
if (!values.relay || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
  process.stderr.write(`mcpp worker: --relay is required and --concurrency must be 1-256\n${HELP}\n`)
  process.exit(2)
}

const joinToken = values['join-token'] ?? process.env.MCPP_JOIN_TOKEN

try {
  const running = await startWorker({
    relay: values.relay,
    concurrency,
    name: values.name ?? `node@${hostname()}`,
    userAgent: `node/${process.versions.node}`,
    ...(joinToken === undefined ? {} : { joinToken }),
    spawnCompute: () => spawnNodeCompute(),
    onEvent: (event) => {
      if (event.type === 'state') {
        const detail = event.error ? ` (${event.error})` : ''
        process.stdout.write(`worker ${event.state}${event.relay ? ` ${event.relay}` : ''}${detail}\n`)
      }
    },
  })
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
