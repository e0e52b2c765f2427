import { setTimeout as sleep } from 'node:timers/promises'
import type { BrowserContext } from 'playwright-core'
import type { BenchContext } from '../context.ts'
import { startDetachedChromium } from '../detached-chromium.ts'
import { startNodeWorker } from '../node-worker.ts'
import { type RelayChild, startRelayChild } from '../relay-child.ts'
import type { Row } from '../table.ts'
import { openCdp } from './cdp.ts'
import { NO_RETENTION_ENV, RETENTION_ARGS, type SoakOptions } from './options.ts'
import { FLAT_DEFINITION, minuteTable, summaryRows } from './report.ts'
import { type Sample, Sampler } from './samples.ts'
import { driveLoad, IPFS_VARIANTS, prepareLoad, TASK_BATCH } from './streams.ts'

const NODE_WORKERS = 2
const TABS = 2
/** Tasks each worker (Node or tab) runs at once. */
const WORKER_CONCURRENCY = 4
const MB = 1024 * 1024

async function openTab(context: BrowserContext, relay: RelayChild): Promise<void> {
  const page = await context.newPage()
  await page.goto(`${relay.base}/contribute`)
  await page.fill('#concurrency', String(WORKER_CONCURRENCY))
  await page.click('#toggle')
  await page.waitForSelector('#state[data-state="connected"]', { timeout: 30_000 })
}

/** Samples every `every` s of the run's clock until `signal` aborts. */
async function sampleUntil(
  sampler: Sampler,
  every: number,
  clock: () => number,
  signal: AbortSignal,
  progress: (s: Sample) => void,
): Promise<Sample[]> {
  const samples: Sample[] = []
  for (let k = 0; ; k++) {
    const wait = k * every - clock()
    if (wait > 0) await sleep(wait * 1000, undefined, { signal }).catch(() => {})
    if (signal.aborted) return samples
    const sample = await sampler.take(clock())
    samples.push(sample)
    progress(sample)
  }
}

/** Cleanup steps, run last-in first-out; one that fails is reported and the rest still run. */
class Teardown {
  readonly #steps: (() => Promise<void>)[] = []
  push(step: () => Promise<void>): void {
    this.#steps.push(step)
  }
  async run(): Promise<void> {
    for (const step of this.#steps.reverse()) {
      await step().catch((err: Error) => process.stderr.write(`soak: cleanup failed: ${err.message}\n`))
    }
  }
}

function progressLine(s: Sample): string {
  const mb = (bytes: number) => (bytes / MB).toFixed(1)
  return `relay RSS ${mb(s.relayRss)} MB, tabs ${s.tabs.map(mb).join('/')} MB, tasks.db ${mb(s.tasksDb)} MB, blocks ${mb(s.blocks)} MB`
}

function header(options: SoakOptions, until: number, interrupted: boolean): string {
  const r = options.rates
  return [
    `Soak: ${until.toFixed(0)} s${interrupted ? ` (interrupted; ${options.seconds} s asked)` : ''}, warm-up ${options.warmupSeconds} s, a sample every ${options.sampleSeconds} s.`,
    `Relay (npm start) + ${NODE_WORKERS} Node workers + ${TABS} Chromium tabs, each running ${WORKER_CONCURRENCY} tasks at once.`,
    `Offered load per second: ${r.tasks} echo tasks (batches of ${TASK_BATCH}, wait), ${r.largeTasks} echo tasks with a 300 KB input (a block),`,
    `${r.tools} tool calls (system_echo, text_hash, text_count), ${r.queries} dataset_query, ${r.ipfs} ipfs_add (${IPFS_VARIANTS} distinct texts).`,
    options.retention
      ? `Retention: ${RETENTION_ARGS.join(' ')}.`
      : `Retention: OFF (${NO_RETENTION_ENV}=1): the stores are expected to grow.`,
    'The targets are set for a 10-minute run (issue 16); over a shorter one the slopes mostly show start-up growth.',
  ].join('\n')
}

/**
 * The soak benchmark (issue 16): the relay as `npm start` runs it, with Node workers
 * and contribute tabs, under fixed mixed load for `options.seconds`, sampled for
 * memory and store sizes. Prints the per-minute table to stdout and returns the
 * summary rows. SIGINT or SIGTERM ends the load early: the minutes so far are
 * reported without verdicts, and every process it started is stopped either way.
 */
export async function runSoak(options: SoakOptions, ctx: Pick<BenchContext, 'progress'>): Promise<Row[]> {
  const interrupt = new AbortController()
  const onSignal = (signal: NodeJS.Signals) => {
    ctx.progress(`soak: ${signal}: stopping the load and every process it started`)
    interrupt.abort()
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const teardown = new Teardown()
  const checkpoint = () => {
    if (interrupt.signal.aborted) throw new Error('soak interrupted while starting')
  }
  try {
    ctx.progress(`soak: relay${options.retention ? '' : ` without retention flags (${NO_RETENTION_ENV})`}`)
    const relay = await startRelayChild(options.retention ? RETENTION_ARGS : [])
    teardown.push(relay.stop)
    checkpoint()
    ctx.progress(`soak: ${TABS} Chromium tabs and ${NODE_WORKERS} Node workers`)
    const chromium = await startDetachedChromium()
    teardown.push(chromium.close)
    await chromium.withSession(async (context) => {
      for (let i = 0; i < TABS; i++) await openTab(context, relay)
    })
    for (let i = 0; i < NODE_WORKERS; i++) {
      const worker = await startNodeWorker(relay, WORKER_CONCURRENCY, `soak-${i + 1}`)
      teardown.push(worker.stop)
    }
    checkpoint()
    await prepareLoad(relay)
    const cdp = await openCdp(chromium.cdpUrl)
    teardown.push(async () => cdp.close())
    checkpoint()

    const started = performance.now()
    const clock = () => (performance.now() - started) / 1000
    const stop = AbortSignal.any([interrupt.signal, AbortSignal.timeout(options.seconds * 1000)])
    ctx.progress(`soak: ${options.seconds} s of load (warm-up ${options.warmupSeconds} s)`)
    // Either side failing (a sample cannot be taken: the relay died, a tab is stuck; the
    // load cannot connect) ends the other, and the run fails once both have stopped.
    const ended = new AbortController()
    const run = AbortSignal.any([stop, ended.signal])
    const failed = (err: unknown): never => {
      ended.abort()
      throw err
    }
    let nextProgress = 60
    const [sampled, loaded] = await Promise.allSettled([
      sampleUntil(new Sampler(relay, cdp), options.sampleSeconds, clock, run, (s) => {
        if (s.at < nextProgress) return
        nextProgress += 60
        ctx.progress(`soak: ${s.at.toFixed(0)} s: ${progressLine(s)}`)
      }).catch(failed),
      driveLoad(relay, options.rates, clock, run).catch(failed),
    ])
    if (sampled.status === 'rejected') throw sampled.reason
    if (loaded.status === 'rejected') throw loaded.reason
    const samples = sampled.value
    const log = loaded.value
    const until = Math.min(clock(), options.seconds)
    process.stdout.write(`\n${header(options, until, interrupt.signal.aborted)}\n\n`)
    process.stdout.write(`${minuteTable(options, log, samples, until)}\n${FLAT_DEFINITION}\n`)
    for (const [message, count] of log.failures) process.stdout.write(`failed ×${count}: ${message}\n`)
    const rows = summaryRows(options, log, samples, until)
    // A run cut short is not the run asked for: its figures are shown, judged against nothing.
    return interrupt.signal.aborted ? rows.map(({ target: _target, ...row }) => row) : rows
  } finally {
    await teardown.run()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
