import { rmSync } from 'node:fs'
import { configSchema } from '../../../relay/config/schema.ts'
import { createLogger } from '../../../relay/log.ts'
import { type RunningRelay, startRelay } from '../../../relay/relay.ts'
import { type FakeWorker, fakeWorker } from '../../fake-worker.ts'
import { type Identity, identity } from '../../relay-identity.ts'
import type { BenchContext } from '../context.ts'
import { percentile } from '../load.ts'
import type { Row } from '../table.ts'

const RELAYS = 10
const JOINS = 5
/** How often each relay's directory is read while waiting (in-process, no HTTP). */
const POLL_MS = 2
const section = 'network'

/** Every relay lists every other as a member with bootstrap addresses; only changes trigger announcements. */
function startMember(ids: readonly Identity[], self: Identity): Promise<RunningRelay> {
  const rest = ids.filter((i) => i !== self)
  const config = configSchema.parse({
    port: 0,
    dataDir: self.dataDir,
    p2pPort: self.p2pPort,
    logLevel: 'silent',
    bootstrapPeers: rest.map((r) => r.address),
    relays: { members: rest.map((r) => r.peerId), announceIntervalSeconds: 3600 },
    compute: { threads: 1 },
    shutdown: { graceSeconds: 1 },
  })
  return startRelay(config, { log: createLogger('silent') })
}

/** What `relay` has heard from `peerId` about its connected workers, or -1 if nothing. */
function workersSeen(relay: RunningRelay, peerId: string): number {
  const info = relay.components.p2p.directory?.relays().find((r) => r.peerId === peerId)
  return info?.capacity.workers ?? -1
}

/** Resolves once `done()` holds, checking every POLL_MS; fails after `timeoutMs`. */
async function until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
}

/**
 * Convergence (issue 11): ten relays in this process, each with the other nine as
 * bootstrap peers and members, and the periodic announcement off (an hour), so only a
 * change moves capacity. A worker joins one relay; the time runs from its hello until
 * all nine others list that relay with the new worker, read from their directories.
 */
export async function convergence(ctx: BenchContext): Promise<Row[]> {
  ctx.progress(`network: starting ${RELAYS} relays in one process`)
  const ids: Identity[] = []
  for (let i = 0; i < RELAYS; i++) ids.push(await identity())
  const relays: RunningRelay[] = []
  const workers: FakeWorker[] = []
  try {
    relays.push(...(await Promise.all(ids.map((self) => startMember(ids, self)))))
    const formed = performance.now()
    await until(
      () => relays.every((r, i) => ids.every((other, j) => i === j || workersSeen(r, other.peerId) === 0)),
      60_000,
      'every relay to list the other nine',
    )
    const formSeconds = (performance.now() - formed) / 1000
    ctx.progress(`network: ${JOINS} workers join, one relay each`)
    const times: number[] = []
    for (let n = 0; n < JOINS; n++) {
      const target = relays[n] as RunningRelay
      const peerId = (ids[n] as Identity).peerId
      const worker = await fakeWorker(target.url)
      workers.push(worker)
      const stream = await worker.open()
      const started = performance.now()
      await stream.sendHello({ kinds: ['echo'], concurrency: 2 })
      await until(
        () => relays.every((r, i) => i === n || workersSeen(r, peerId) === 1),
        10_000,
        `nine relays to see the worker on relay ${n}`,
      )
      times.push(performance.now() - started)
    }
    times.sort((a, b) => a - b)
    return [
      {
        section,
        metric: `${RELAYS} relays: all list the other ${RELAYS - 1}`,
        value: formSeconds,
        unit: 's',
      },
      {
        section,
        metric: `${RELAYS} relays: worker joins → all ${RELAYS - 1} others list it (p50 of ${JOINS})`,
        value: percentile(times, 50),
        unit: 'ms',
        target: { kind: 'max', of: 'value', limit: 1000 },
      },
      {
        section,
        metric: `${RELAYS} relays: worker joins → all ${RELAYS - 1} others list it (max of ${JOINS})`,
        value: times[times.length - 1] as number,
        unit: 'ms',
      },
    ]
  } finally {
    await Promise.allSettled(workers.map((w) => w.stop()))
    await Promise.allSettled(relays.map((r) => r.close()))
    for (const id of ids) rmSync(id.dataDir, { recursive: true, force: true })
  }
}
